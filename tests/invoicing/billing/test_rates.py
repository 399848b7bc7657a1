from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from invoicing.billing import (
    BillingOptionsError,
    BusinessFacts,
    RateFix,
    RateRule,
    RateSourceKind,
)
from invoicing.billing.rates import resolve_rate

from .builders import (
    ACME,
    ANN,
    APP,
    BETA,
    BO,
    BUSINESS,
    DESIGN,
    DEVELOPMENT,
    RETAINER,
    SUPPORT,
    UNPRICED,
    WEBSITE,
    entry,
    standard_catalog,
)

DAY = date(2024, 5, 10)


def resolve(time_entry, rules=(), *, catalog=None, business=BUSINESS, entry_date=DAY):
    return resolve_rate(
        time_entry,
        entry_date=entry_date,
        catalog=catalog or standard_catalog(),
        rules=list(rules),
        business=business,
    )


def rule(rule_id, rate, **dimensions):
    return RateRule(
        id=rule_id, rate=Decimal(rate), client_id=dimensions.pop("client_id", ACME), **dimensions
    )


# -- FreshBooks billing methods -------------------------------------------------------------


def test_project_rate_method_bills_at_the_project_rate():
    resolved = resolve(entry(1, project_id=WEBSITE))
    assert resolved.rate == Decimal("100.00")
    assert resolved.source.kind == RateSourceKind.PROJECT_RATE
    assert resolved.source.label == "Project 'Website' hourly rate"


def test_service_rate_method_prefers_the_project_specific_service_rate():
    resolved = resolve(entry(1, project_id=APP, service_id=DEVELOPMENT))
    assert resolved.rate == Decimal("120.00")
    assert resolved.source.kind == RateSourceKind.PROJECT_SERVICE_RATE
    assert resolved.source.label == "Service 'Development' rate for project 'App'"


def test_service_rate_method_falls_back_to_the_business_service_rate():
    resolved = resolve(entry(1, project_id=APP, service_id=DESIGN))
    assert resolved.rate == Decimal("90.00")
    assert resolved.source.kind == RateSourceKind.BUSINESS_SERVICE_RATE
    assert resolved.source.label == "Service 'Design' rate"


def test_service_rate_method_without_a_service_has_no_rate():
    resolved = resolve(entry(1, project_id=APP, service_id=None))
    assert resolved.rate is None
    assert resolved.source.kind == RateSourceKind.NONE
    assert "no service" in resolved.source.label


def test_service_rate_method_with_an_unpriced_service_has_no_rate():
    catalog = replace(standard_catalog(), business_service_rates={})
    resolved = resolve(entry(1, project_id=APP, service_id=DESIGN), catalog=catalog)
    assert resolved.rate is None
    assert "'Design' has no rate" in resolved.source.label


def test_team_member_rate_method_bills_at_the_members_billable_rate():
    resolved = resolve(entry(1, project_id=SUPPORT, team_member_id=ANN))
    assert resolved.rate == Decimal("80.00")
    assert resolved.source.kind == RateSourceKind.TEAM_MEMBER_RATE
    assert resolved.source.label == "Team member 'Ann Lee' billable rate"


def test_team_member_rate_method_with_a_member_without_rate_has_no_rate():
    resolved = resolve(entry(1, project_id=SUPPORT, team_member_id=BO))
    assert resolved.rate is None
    assert "'Bo Chen' has no billable rate" in resolved.source.label


def test_business_rate_method_bills_at_the_standard_rate_when_known():
    resolved = resolve(entry(1, project_id=RETAINER))
    assert resolved.rate == Decimal("75.00")
    assert resolved.source.kind == RateSourceKind.BUSINESS_RATE
    assert resolved.source.label == "Business standard rate"


def test_business_rate_method_without_a_known_standard_rate_has_no_rate():
    business = BusinessFacts(timezone="UTC", currency_code="USD", standard_rate=None)
    resolved = resolve(entry(1, project_id=RETAINER), business=business)
    assert resolved.rate is None
    assert "standard rate" in resolved.source.label


def test_a_project_without_billing_method_has_no_rate():
    resolved = resolve(entry(1, project_id=UNPRICED))
    assert resolved.rate is None
    assert "no billing method" in resolved.source.label


def test_an_entry_without_project_is_priced_only_by_rate_rules():
    no_project = entry(1, project_id=None, service_id=DESIGN)
    assert resolve(no_project).rate is None  # no guessing from the service or standard rate
    assert "add a rate rule" in resolve(no_project).source.label
    assert resolve(no_project, [rule(5, "65.00")]).rate == Decimal("65.00")


def test_an_unsynced_project_has_no_rate_unless_a_rule_matches():
    orphan = entry(1, project_id=999)
    assert resolve(orphan).rate is None
    assert "#999 has not been synced" in resolve(orphan).source.label
    assert resolve(orphan, [rule(5, "65.00")]).rate == Decimal("65.00")


# -- rate rules -----------------------------------------------------------------------------


def test_a_client_rate_rule_beats_the_project_billing_method():
    resolved = resolve(entry(1, project_id=WEBSITE), [rule(12, "150.00")])
    assert resolved.rate == Decimal("150.00")
    assert resolved.source.kind == RateSourceKind.RATE_RULE
    assert resolved.source.rule_id == 12
    assert resolved.source.label == "Rate rule #12 (client)"


def test_a_rule_for_another_client_does_not_apply():
    resolved = resolve(entry(1, project_id=WEBSITE), [rule(12, "150.00", client_id=BETA)])
    assert resolved.source.kind == RateSourceKind.PROJECT_RATE


def test_a_rule_naming_a_dimension_the_entry_lacks_does_not_apply():
    resolved = resolve(entry(1, service_id=None), [rule(12, "150.00", service_id=DESIGN)])
    assert resolved.source.kind == RateSourceKind.PROJECT_RATE


SPECIFICITY_LADDER = [
    # (rule id, dimensions) from most to least specific
    (1, {"project_id": WEBSITE, "service_id": DESIGN, "team_member_id": ANN}),
    (2, {"project_id": WEBSITE, "service_id": DESIGN}),
    (3, {"project_id": WEBSITE, "team_member_id": ANN}),
    (4, {"service_id": DESIGN, "team_member_id": ANN}),
    (5, {"project_id": WEBSITE}),
    (6, {"service_id": DESIGN}),
    (7, {"team_member_id": ANN}),
    (8, {}),
]


@pytest.mark.parametrize("winner_index", range(len(SPECIFICITY_LADDER)))
def test_the_most_specific_matching_rule_wins(winner_index):
    rules = [
        rule(rule_id, f"{rule_id}0.00", **dimensions)
        for rule_id, dimensions in SPECIFICITY_LADDER[winner_index:]
    ]
    time_entry = entry(1, project_id=WEBSITE, service_id=DESIGN, team_member_id=ANN)
    expected_id = SPECIFICITY_LADDER[winner_index][0]
    for ordering in (rules, list(reversed(rules))):
        resolved = resolve(time_entry, ordering)
        assert resolved.source.rule_id == expected_id
        assert resolved.rate == Decimal(f"{expected_id}0.00")


def test_rule_labels_name_their_scope():
    labels = {
        rule_id: resolve(
            entry(1, project_id=WEBSITE, service_id=DESIGN, team_member_id=ANN),
            [rule(rule_id, "1.00", **dimensions)],
        ).source.label
        for rule_id, dimensions in SPECIFICITY_LADDER
    }
    assert labels[1] == "Rate rule #1 (client + project + service + team member)"
    assert labels[4] == "Rate rule #4 (client + service + team member)"
    assert labels[8] == "Rate rule #8 (client)"


def test_between_equally_specific_rules_the_later_start_then_higher_id_wins():
    old = rule(1, "100.00", valid_from=date(2024, 1, 1))
    newer = rule(2, "120.00", valid_from=date(2024, 5, 1))
    open_ended = rule(3, "90.00")
    assert resolve(entry(1), [newer, old, open_ended]).source.rule_id == 2
    assert resolve(entry(1), [rule(4, "1.00"), rule(9, "2.00")]).source.rule_id == 9


def test_rule_effective_dates_are_inclusive():
    dated = rule(12, "150.00", valid_from=date(2024, 5, 10), valid_to=date(2024, 5, 20))
    time_entry = entry(1)
    for inside in (date(2024, 5, 10), date(2024, 5, 15), date(2024, 5, 20)):
        assert resolve(time_entry, [dated], entry_date=inside).source.rule_id == 12
    for outside in (date(2024, 5, 9), date(2024, 5, 21)):
        resolved = resolve(time_entry, [dated], entry_date=outside)
        assert resolved.source.kind == RateSourceKind.PROJECT_RATE


def test_rule_with_open_end_applies_from_its_start():
    from_may = rule(12, "150.00", valid_from=date(2024, 5, 1))
    assert resolve(entry(1), [from_may], entry_date=date(2030, 1, 1)).source.rule_id == 12
    assert resolve(entry(1), [from_may], entry_date=date(2024, 4, 30)).source.rule_id is None


def test_a_zero_rate_rule_is_a_rate_not_an_absence():
    resolved = resolve(entry(1), [rule(12, "0.00")])
    assert resolved.rate == Decimal("0.00")
    assert resolved.source.kind == RateSourceKind.RATE_RULE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": Decimal("-1.00")}, "rate"),
        ({"rate": Decimal("NaN")}, "rate"),
        ({"rate": 12.5}, "rate"),
        ({"valid_from": date(2024, 5, 2), "valid_to": date(2024, 5, 1)}, "valid_to"),
    ],
)
def test_invalid_rate_rules_are_options_errors(kwargs, field):
    values = {"id": 1, "rate": Decimal("10.00"), "client_id": ACME, **kwargs}
    with pytest.raises(BillingOptionsError) as error:
        RateRule(**values)
    assert error.value.field == field


# -- where to set the rate (the preview's fix links) ----------------------------------------

NO_STANDARD_RATE = BusinessFacts(timezone="UTC", currency_code="USD", standard_rate=None)


@pytest.mark.parametrize(
    ("time_entry", "catalog_changes", "fix"),
    [
        (entry(1, project_id=None), {}, RateFix(client_id=ACME)),
        (entry(1, project_id=999), {}, RateFix(client_id=ACME, project_id=999)),
        (entry(1, project_id=UNPRICED), {}, RateFix(client_id=ACME, project_id=UNPRICED)),
        (entry(1, project_id=APP), {}, RateFix(client_id=ACME, project_id=APP)),
        (
            entry(1, project_id=APP, service_id=DESIGN),
            {"business_service_rates": {}},
            RateFix(client_id=ACME, project_id=APP, service_id=DESIGN),
        ),
        (entry(1, project_id=SUPPORT), {}, RateFix(client_id=ACME, project_id=SUPPORT)),
        (
            entry(1, project_id=SUPPORT, team_member_id=BO),
            {},
            RateFix(client_id=ACME, project_id=SUPPORT, team_member_id=BO),
        ),
        (entry(1, project_id=RETAINER), {}, RateFix(standard_rate=True)),
    ],
    ids=[
        "no project",
        "unsynced project",
        "no billing method",
        "service rate, no service",
        "service without rate",
        "team member rate, no member",
        "member without rate",
        "standard rate unknown",
    ],
)
def test_an_entry_without_a_rate_says_exactly_which_rate_to_set(time_entry, catalog_changes, fix):
    catalog = replace(standard_catalog(), **catalog_changes)
    resolved = resolve(time_entry, catalog=catalog, business=NO_STANDARD_RATE)
    assert resolved.rate is None
    assert resolved.source.fix == fix


def test_a_project_rate_project_without_rate_asks_for_a_rate_on_that_project():
    catalog = standard_catalog()
    website = replace(catalog.projects[WEBSITE], rate=None)
    catalog = replace(catalog, projects={**catalog.projects, WEBSITE: website})
    resolved = resolve(entry(1, project_id=WEBSITE), catalog=catalog)
    assert resolved.source.fix == RateFix(client_id=ACME, project_id=WEBSITE)


def test_a_priced_entry_says_where_its_rate_can_be_changed():
    assert resolve(entry(1, project_id=WEBSITE), [rule(12, "150.00")]).source.fix == RateFix(
        rule_id=12
    )
    assert resolve(entry(1, project_id=WEBSITE)).source.fix == RateFix(
        client_id=ACME, project_id=WEBSITE
    )
    assert resolve(entry(1, project_id=APP, service_id=DESIGN)).source.fix == RateFix(
        client_id=ACME, project_id=APP, service_id=DESIGN
    )
    assert resolve(entry(1, project_id=SUPPORT, team_member_id=ANN)).source.fix == RateFix(
        client_id=ACME, project_id=SUPPORT, team_member_id=ANN
    )
    assert resolve(entry(1, project_id=RETAINER)).source.fix == RateFix(standard_rate=True)
