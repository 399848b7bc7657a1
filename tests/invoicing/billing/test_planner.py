import hashlib
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from invoicing.billing import (
    BillingInputError,
    NotBilledReason,
    ProjectFacts,
    RateFix,
    RateRule,
    draft_unique_key,
    plan_drafts,
)

from .builders import (
    ACME,
    APP,
    BETA,
    BO,
    BUSINESS,
    COBALT,
    DESIGN,
    LAUNCH,
    SUPPORT,
    UNPRICED,
    WEBSITE,
    entry,
    options,
    plan,
    standard_catalog,
    utc,
)


def test_one_draft_per_client_in_the_clients_currency_with_totals_per_currency():
    rules = [
        RateRule(id=1, rate=Decimal("130.00"), client_id=BETA),
        RateRule(id=2, rate=Decimal("60.00"), client_id=COBALT),
    ]
    result = plan(
        [
            entry(1, client_id=ACME, minutes=60),  # Website, 100 USD
            entry(2, client_id=ACME, minutes=30),
            entry(3, client_id=BETA, project_id=None, minutes=90),  # 130 CAD
            entry(4, client_id=COBALT, project_id=None, minutes=60),  # no currency: business USD
        ],
        rules=rules,
        grouping="single",
    )
    drafts = {draft.client_name: draft for draft in result.drafts}
    assert [draft.client_name for draft in result.drafts] == ["Acme", "Beta Ltd", "Cobalt"]
    assert (drafts["Acme"].currency_code, drafts["Acme"].total) == ("USD", Decimal("150.00"))
    assert (drafts["Beta Ltd"].currency_code, drafts["Beta Ltd"].total) == (
        "CAD",
        Decimal("195.00"),
    )
    assert (drafts["Cobalt"].currency_code, drafts["Cobalt"].total) == ("USD", Decimal("60.00"))
    assert result.totals_by_currency == {"CAD": Decimal("195.00"), "USD": Decimal("210.00")}
    assert drafts["Acme"].entry_ids == (1, 2)


def test_a_draft_total_is_the_sum_of_its_rounded_line_amounts():
    rules = [RateRule(id=1, rate=Decimal("33.33"), client_id=ACME)]
    result = plan(
        [entry(1, minutes=20), entry(2, minutes=20, service_id=DESIGN)],
        rules=rules,
        grouping="detailed",
    )
    (draft,) = result.drafts
    assert [line.amount for line in draft.lines] == [Decimal("11.00"), Decimal("11.00")]
    assert draft.total == Decimal("22.00")  # not 0.67 h x 33.33 = 22.33


def test_over_the_line_limit_a_draft_is_refused_with_advice_to_group():
    entries = [
        entry(entry_id, started_at=utc("2024-05-10", "00:00"), seconds=60 + entry_id)
        for entry_id in range(1, 402)
    ]
    detailed = plan(entries, grouping="detailed")
    (draft,) = detailed.drafts
    assert len(draft.lines) == 401
    assert "401 lines" in draft.blocked_reason
    assert "at most 400 lines" in draft.blocked_reason
    assert "group by service" in draft.blocked_reason
    assert detailed.drafts_to_create == ()
    assert detailed.totals_by_currency == {}

    grouped = plan(entries, grouping="service")
    assert grouped.drafts[0].blocked_reason is None
    assert len(grouped.drafts[0].lines) == 1


def test_exactly_the_line_limit_is_accepted():
    entries = [entry(entry_id) for entry_id in range(1, 4)]
    assert plan(entries, grouping="detailed", max_lines=3).drafts[0].blocked_reason is None
    blocked = plan(entries, grouping="detailed", max_lines=2).drafts[0]
    assert "3 lines" in blocked.blocked_reason


def test_an_entry_without_rate_blocks_its_clients_draft_and_says_which():
    result = plan(
        [entry(1), entry(2, project_id=UNPRICED), entry(3, client_id=BETA, project_id=None)],
        grouping="single",
    )
    (acme,) = result.drafts  # Beta's only entry has no rate: nothing to draft
    assert acme.entry_ids == (1,)
    assert "1 time entry has no rate (#2)" in acme.blocked_reason
    assert "leave unpriced time unbilled or to bill it as 0.00 lines" in acme.blocked_reason
    assert result.totals_by_currency == {}
    assert {item.entry_id: item.reason for item in result.not_billed} == {
        2: NotBilledReason.NO_RATE,
        3: NotBilledReason.NO_RATE,
    }
    assert {item.entry_id: item.rate_fix for item in result.not_billed} == {
        2: RateFix(client_id=ACME, project_id=UNPRICED),
        3: RateFix(client_id=BETA),
    }


def test_a_held_back_message_names_a_few_entries_and_counts_the_rest():
    result = plan([entry(1)] + [entry(n, project_id=UNPRICED) for n in range(2, 10)])

    (acme,) = result.drafts
    assert acme.blocked_reason.startswith(
        "8 time entries have no rate (#2, #3, #4, #5, #6 and 3 more); set a rate"
    )


def test_zero_rated_entries_block_the_draft_unless_the_run_bills_them_at_zero():
    rules = [RateRule(id=1, rate=Decimal("0.00"), client_id=ACME, service_id=DESIGN)]
    entries = [entry(1), entry(2, service_id=DESIGN), entry(3, service_id=DESIGN)]
    refused = plan(entries, rules=rules, grouping="service")
    assert "2 time entries have a zero rate (#2, #3)" in refused.drafts[0].blocked_reason
    assert {item.rate_fix for item in refused.not_billed} == {RateFix(rule_id=1)}
    assert refused.drafts[0].entry_ids == (1,)

    allowed = plan(entries, rules=rules, grouping="service", unpriced="bill_zero")
    (draft,) = allowed.drafts
    assert draft.blocked_reason is None
    assert draft.entry_ids == (1, 2, 3)
    zero_line = next(line for line in draft.lines if line.unit_cost == 0)
    assert (zero_line.name, zero_line.amount) == ("Design", Decimal("0.00"))
    assert allowed.totals_by_currency == {"USD": Decimal("100.00")}


def test_leaving_unpriced_time_unbilled_lets_the_draft_go_without_it():
    result = plan([entry(1), entry(2, project_id=UNPRICED)], unpriced="leave_unbilled")
    (draft,) = result.drafts
    assert draft.blocked_reason is None
    assert draft.entry_ids == (1,)
    assert [item.entry_id for item in result.not_billed_in_preview] == [2]
    # Its project has no billing method: the fix is a rate for that project.
    assert result.not_billed[0].rate_fix == RateFix(client_id=ACME, project_id=UNPRICED)


def test_billing_unpriced_time_as_zero_puts_it_on_the_invoice_as_a_0_00_line():
    result = plan(
        [entry(1), entry(2, project_id=UNPRICED)], unpriced="bill_zero", grouping="project"
    )
    (draft,) = result.drafts
    assert draft.blocked_reason is None
    assert draft.entry_ids == (1, 2)
    zero_line = next(line for line in draft.lines if line.entry_ids == (2,))
    assert (zero_line.name, zero_line.unit_cost, zero_line.amount) == (
        "Unpriced",
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert zero_line.quantity == Decimal("1.00")
    assert draft.total == Decimal("100.00")
    assert result.not_billed_in_preview == ()


def test_unpriced_entries_name_where_their_rate_is_set():
    result = plan(
        [
            entry(1, project_id=None),
            entry(2, project_id=SUPPORT, team_member_id=BO),
            entry(3, project_id=APP, service_id=None),
        ],
        unpriced="leave_unbilled",
    )
    fixes = {item.entry_id: item.rate_fix for item in result.not_billed}
    assert fixes == {
        1: RateFix(client_id=ACME),
        2: RateFix(client_id=ACME, project_id=SUPPORT, team_member_id=BO),
        3: RateFix(client_id=ACME, project_id=APP),
    }
    assert result.not_billed[1].team_member_id == BO


def test_everything_left_out_by_the_user_is_listed_as_left_out():
    result = plan(
        [entry(1), entry(2), entry(3, client_id=BETA, project_id=None)],
        excluded_entry_ids=frozenset({2}),
        excluded_client_ids=frozenset({BETA}),
    )
    assert result.drafts[0].entry_ids == (1,)
    assert {item.entry_id: item.reason for item in result.not_billed_in_preview} == {
        2: NotBilledReason.LEFT_OUT,
        3: NotBilledReason.LEFT_OUT,
    }


def test_not_billed_lists_every_excluded_entry_and_the_preview_only_actionable_ones():
    result = plan(
        [
            entry(1),
            entry(2, project_id=LAUNCH),
            entry(3, client_id=None),
            entry(4, is_logged=False),
            entry(5, billed=True),
            entry(6, started_at=utc("2024-06-01")),
            entry(7, active=False),
        ]
    )
    reasons = {item.entry_id: item.reason for item in result.not_billed}
    assert reasons == {
        2: NotBilledReason.FIXED_PRICE_PROJECT,
        3: NotBilledReason.NO_CLIENT,
        4: NotBilledReason.RUNNING_TIMER,
        5: NotBilledReason.ALREADY_BILLED,
        6: NotBilledReason.OUTSIDE_PERIOD,
        7: NotBilledReason.DELETED,
    }
    assert [item.entry_id for item in result.not_billed_in_preview] == [2, 3, 4]
    assert result.drafts[0].entry_ids == (1,)
    assert result.drafts[0].blocked_reason is None  # fixed-price time does not block


def test_the_unique_key_is_a_sha256_of_business_client_and_sorted_entries():
    result = plan([entry(3), entry(1), entry(2)])
    expected = hashlib.sha256(b"business-8675309|1|1,2,3").hexdigest()
    assert result.drafts[0].unique_key == expected
    assert draft_unique_key("business-8675309", ACME, [2, 3, 1]) == expected
    assert draft_unique_key("business-8675309", ACME, [1, 2]) != expected
    assert draft_unique_key("business-1", ACME, [1, 2, 3]) != expected


def test_a_client_with_nothing_billable_gets_no_draft():
    result = plan([entry(1, billable=False), entry(2, client_id=BETA, internal=True)])
    assert result.drafts == ()
    assert result.totals_by_currency == {}


def test_the_same_entry_given_twice_is_refused():
    with pytest.raises(BillingInputError, match="given twice"):
        plan([entry(1), entry(1, project_id=WEBSITE)])


def test_entries_with_naive_start_times_are_refused():
    with pytest.raises(BillingInputError, match="timezone-aware"):
        entry(1, started_at=datetime(2024, 5, 10, 9, 0))


def test_negative_durations_are_refused():
    with pytest.raises(BillingInputError, match="non-negative"):
        entry(1, seconds=-60)


def test_a_business_key_is_required_for_unique_draft_keys():
    with pytest.raises(BillingInputError, match="business_key"):
        plan_drafts(
            entries=[entry(1)],
            catalog=standard_catalog(),
            rules=[],
            options=options(),
            business=BUSINESS,
            business_key="",
        )


def test_a_rate_with_more_than_two_decimals_bills_to_the_cent_from_the_full_rate():
    catalog = replace(
        standard_catalog(),
        projects={
            WEBSITE: ProjectFacts(WEBSITE, "Website", ACME, "project_rate", Decimal("12.345000"))
        },
    )
    result = plan(
        [entry(1, minutes=90), entry(2, minutes=90, started_at=utc("2024-05-11"))],
        catalog=catalog,
        grouping="project",
    )

    (draft,) = result.drafts
    (line,) = draft.lines
    assert line.quantity == Decimal("3.00")
    assert str(line.unit_cost) == "12.345"  # kept whole, written as FreshBooks writes it
    assert line.amount == Decimal("37.04")  # 37.035 half up, not 3 x 12.35 = 37.05
    assert draft.total == Decimal("37.04")
