"""Invariants of the planner for any entries, rules and options (hypothesis)."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing import (
    GROUPING_MODES,
    BillingOptions,
    BusinessFacts,
    Period,
    RateRule,
    RoundingPolicy,
    TimeEntryFacts,
    plan_drafts,
)
from invoicing.billing.money import hours_from_seconds, quantize_cents
from invoicing.billing.periods import local_date
from invoicing.billing.rates import resolve_rate
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS, round_seconds

from .builders import (
    ACME,
    ANN,
    APP,
    BETA,
    BO,
    COBALT,
    DESIGN,
    DEVELOPMENT,
    LAUNCH,
    MAY_2024,
    RETAINER,
    SUPPORT,
    UNPRICED,
    WEBSITE,
    standard_catalog,
)

BOUNDED = settings(max_examples=200, deadline=None)
CATALOG = standard_catalog()
MOSTLY_TRUE = st.sampled_from([True] * 14 + [False])
MOSTLY_FALSE = st.sampled_from([False] * 14 + [True])
DAYS_OF_MAY = [date(2024, 5, 1) + timedelta(days=offset) for offset in range(31)]
DAYS_AROUND_MAY = [*DAYS_OF_MAY, date(2024, 4, 30), date(2024, 6, 1)]


def started_on(days: list[date]) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda day, second: datetime.combine(day, time.min, UTC) + timedelta(seconds=second),
        st.sampled_from(days),
        st.sampled_from(range(0, 24 * 3600, 450)),
    )


# Entries that are usually billable, so drafts have several lines and lines several entries.
billable_looking_entries = st.builds(
    TimeEntryFacts,
    id=st.just(0),
    client_id=st.sampled_from([ACME, BETA, COBALT]),
    project_id=st.sampled_from([WEBSITE, RETAINER, APP, SUPPORT]),
    service_id=st.sampled_from([DESIGN, DEVELOPMENT, None]),
    team_member_id=st.sampled_from([ANN, BO, None]),
    started_at=started_on(DAYS_OF_MAY),
    duration_seconds=st.integers(min_value=0, max_value=10 * 3600),
)

# Entries with anything wrong with them.
any_entries = st.builds(
    TimeEntryFacts,
    id=st.just(0),
    client_id=st.sampled_from([ACME, BETA, COBALT, None, 404]),
    project_id=st.sampled_from([WEBSITE, APP, SUPPORT, RETAINER, None, LAUNCH, UNPRICED, 999]),
    service_id=st.sampled_from([None, DESIGN, DEVELOPMENT, 77]),
    team_member_id=st.sampled_from([None, ANN, BO, 88]),
    started_at=started_on(DAYS_AROUND_MAY),
    duration_seconds=st.integers(min_value=0, max_value=10 * 3600),
    billable=MOSTLY_TRUE,
    billed=MOSTLY_FALSE,
    active=MOSTLY_TRUE,
    is_logged=MOSTLY_TRUE,
    internal=MOSTLY_FALSE,
    note=st.sampled_from(["", "Call", "Fix, then deploy"]),
    on_open_draft=MOSTLY_FALSE,
)


@st.composite
def entry_lists(draw) -> list[TimeEntryFacts]:
    drawn = draw(st.lists(billable_looking_entries, max_size=10)) + draw(
        st.lists(any_entries, max_size=8)
    )
    ids = draw(
        st.lists(
            st.integers(min_value=1, max_value=10_000),
            min_size=len(drawn),
            max_size=len(drawn),
            unique=True,
        )
    )
    return [replace(item, id=entry_id) for item, entry_id in zip(drawn, ids, strict=True)]


dates_around_may = st.dates(min_value=date(2024, 4, 25), max_value=date(2024, 6, 5))


@st.composite
def rate_rules(draw):
    first, second = sorted((draw(st.none() | dates_around_may), draw(st.none() | dates_around_may)),
                           key=lambda day: day or date.min)  # fmt: skip
    return RateRule(
        id=draw(st.integers(min_value=1, max_value=50)),
        rate=draw(st.decimals(min_value=0, max_value=400, places=2)),
        client_id=draw(st.sampled_from([ACME, BETA, COBALT])),
        project_id=draw(st.sampled_from([None, WEBSITE, APP, UNPRICED])),
        service_id=draw(st.sampled_from([None, DESIGN, DEVELOPMENT])),
        team_member_id=draw(st.sampled_from([None, ANN, BO])),
        valid_from=first,
        valid_to=second,
    )


@st.composite
def billing_options(draw):
    start, end = sorted((draw(dates_around_may), draw(dates_around_may)))
    return BillingOptions(
        period=draw(st.sampled_from([MAY_2024, MAY_2024, MAY_2024, Period(start, end)])),
        grouping=draw(st.sampled_from(sorted(GROUPING_MODES, reverse=True))),  # "single" first
        rounding=RoundingPolicy(
            draw(st.sampled_from(INCREMENTS_MINUTES)),
            draw(st.sampled_from(DIRECTIONS)),
            draw(st.sampled_from(LEVELS)),
        ),
        unpriced=draw(st.sampled_from(["hold", "leave_unbilled", "bill_zero"])),
        max_lines=draw(st.sampled_from([400, 400, 5])),
    )


businesses = st.builds(
    BusinessFacts,
    timezone=st.sampled_from([None, "UTC", "America/New_York", "Asia/Tokyo", "Pacific/Chatham"]),
    currency_code=st.just("USD"),
    standard_rate=st.sampled_from([None, Decimal("75.00"), Decimal("0.00")]),
)

scenarios = st.fixed_dictionaries(
    {
        "entries": entry_lists(),
        "rules": st.lists(rate_rules(), max_size=5, unique_by=lambda item: item.id),
        "options": billing_options(),
        "business": businesses,
    }
)


def run(scenario, *, entries=None, rules=None, catalog=CATALOG):
    return plan_drafts(
        entries=scenario["entries"] if entries is None else entries,
        catalog=catalog,
        rules=scenario["rules"] if rules is None else rules,
        options=scenario["options"],
        business=scenario["business"],
        business_key="business-1",
    )


@BOUNDED
@given(scenarios)
def test_any_plan_keeps_the_billing_invariants(scenario):
    result = run(scenario)
    assert_line_amounts_add_up_to_draft_totals_and_currency_totals(result)
    assert_every_entry_is_on_exactly_one_line_or_not_billed(result, scenario["entries"])
    assert_every_line_is_quantity_times_unit_cost_from_its_billed_seconds(result)
    assert_no_line_mixes_rates_and_no_draft_mixes_currencies(result, scenario)
    assert_billed_seconds_follow_the_rounding_policy(result, scenario)


def assert_line_amounts_add_up_to_draft_totals_and_currency_totals(result):
    expected_totals: dict[str, Decimal] = {}
    for draft in result.drafts:
        assert sum((line.amount for line in draft.lines), Decimal("0")) == draft.total
        if not draft.blocked:
            expected_totals[draft.currency_code] = (
                expected_totals.get(draft.currency_code, Decimal("0")) + draft.total
            )
    assert result.totals_by_currency == expected_totals


def assert_every_entry_is_on_exactly_one_line_or_not_billed(result, entries):
    not_billed = [item.entry_id for item in result.not_billed]
    on_lines = [
        entry_id for draft in result.drafts for line in draft.lines for entry_id in line.entry_ids
    ]
    assert len(on_lines) == len(set(on_lines)), "an entry is on two lines"
    assert len(not_billed) == len(set(not_billed)), "an entry is listed as not billed twice"
    assert not set(on_lines) & set(not_billed), "an ineligible entry is on a line"
    assert set(on_lines) | set(not_billed) == {item.id for item in entries}
    for draft in result.drafts:
        assert draft.entry_ids == tuple(sorted(i for line in draft.lines for i in line.entry_ids))


def assert_every_line_is_quantity_times_unit_cost_from_its_billed_seconds(result):
    for draft in result.drafts:
        for line in draft.lines:
            assert line.amount == quantize_cents(line.quantity * line.unit_cost)
            assert line.quantity == hours_from_seconds(sum(line.billed_seconds.values()))
            assert tuple(sorted(line.billed_seconds)) == line.entry_ids
            assert all(seconds >= 0 for seconds in line.billed_seconds.values())
            assert line.quantity.as_tuple().exponent == -2
            assert line.amount.as_tuple().exponent == -2


def assert_no_line_mixes_rates_and_no_draft_mixes_currencies(result, scenario):
    entries = {item.id: item for item in scenario["entries"]}
    business = scenario["business"]
    for draft in result.drafts:
        client = CATALOG.clients[draft.client_id]
        assert draft.currency_code == (client.currency_code or business.currency_code)
        for line in draft.lines:
            for entry_id in line.entry_ids:
                time_entry = entries[entry_id]
                assert time_entry.client_id == draft.client_id
                resolved = resolve_rate(
                    time_entry,
                    entry_date=local_date(time_entry.started_at, business.timezone),
                    catalog=CATALOG,
                    rules=scenario["rules"],
                    business=business,
                )
                if resolved.rate is None:  # unpriced time on a line: billed at 0.00 as chosen
                    assert scenario["options"].unpriced == "bill_zero"
                    assert line.unit_cost == 0
                else:
                    assert resolved.rate == line.unit_cost


@BOUNDED
@given(scenarios, st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_the_order_of_its_inputs(scenario, random):
    shuffled_entries = list(scenario["entries"])
    random.shuffle(shuffled_entries)
    shuffled_rules = list(scenario["rules"])
    random.shuffle(shuffled_rules)
    reversed_catalog = replace(
        CATALOG,
        clients=dict(reversed(list(CATALOG.clients.items()))),
        projects=dict(reversed(list(CATALOG.projects.items()))),
        services=dict(reversed(list(CATALOG.services.items()))),
        team_members=dict(reversed(list(CATALOG.team_members.items()))),
    )
    assert run(scenario) == run(
        scenario, entries=shuffled_entries, rules=shuffled_rules, catalog=reversed_catalog
    )


def assert_billed_seconds_follow_the_rounding_policy(result, scenario):
    raw = {item.id: item.duration_seconds for item in scenario["entries"]}
    policy = scenario["options"].rounding
    for draft in result.drafts:
        for line in draft.lines:
            assert line.raw_seconds == sum(raw[entry_id] for entry_id in line.entry_ids)
            if policy.level == "line":
                assert sum(line.billed_seconds.values()) == round_seconds(line.raw_seconds, policy)
            else:
                assert line.billed_seconds == {
                    entry_id: round_seconds(raw[entry_id], policy) for entry_id in line.entry_ids
                }
