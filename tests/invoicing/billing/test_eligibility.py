from dataclasses import replace
from decimal import Decimal

import pytest

from invoicing.billing import BusinessFacts, NotBilledReason, RateRule
from invoicing.billing.eligibility import PREVIEW_REASONS, assess_entry

from .builders import (
    ACME,
    BUSINESS,
    LAUNCH,
    MAY_2024,
    UNPRICED,
    WEBSITE,
    entry,
    local,
    standard_catalog,
    utc,
)


def verdict(time_entry, *, rules=(), business=BUSINESS, catalog=None, **choices):
    return assess_entry(
        time_entry,
        period=MAY_2024,
        catalog=catalog or standard_catalog(),
        rules=list(rules),
        business=business,
        **choices,
    )


def test_a_plain_billable_entry_is_eligible_with_its_rate():
    result = verdict(entry(1))
    assert result.eligible
    assert result.reason is None
    assert result.rate.rate == Decimal("100.00")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"billable": False}, NotBilledReason.NOT_BILLABLE),
        ({"billed": True}, NotBilledReason.ALREADY_BILLED),
        ({"active": False}, NotBilledReason.DELETED),
        ({"is_logged": False}, NotBilledReason.RUNNING_TIMER),
        ({"client_id": None}, NotBilledReason.NO_CLIENT),
        ({"client_id": 404}, NotBilledReason.NO_CLIENT),
        ({"internal": True}, NotBilledReason.INTERNAL),
        ({"project_id": LAUNCH}, NotBilledReason.FIXED_PRICE_PROJECT),
        ({"on_open_draft": True}, NotBilledReason.ALREADY_ON_DRAFT),
        ({"started_at": utc("2024-06-01", "00:00")}, NotBilledReason.OUTSIDE_PERIOD),
        ({"started_at": utc("2024-04-30", "23:59")}, NotBilledReason.OUTSIDE_PERIOD),
        ({"project_id": UNPRICED}, NotBilledReason.NO_RATE),
    ],
)
def test_each_exclusion_has_its_own_reason(changes, reason):
    result = verdict(replace(entry(1), **changes))
    assert result.reason == reason
    assert not result.eligible
    assert result.detail


def test_a_zero_rate_is_not_billed_unless_the_run_bills_unpriced_time_as_zero():
    free = [RateRule(id=1, rate=Decimal("0.00"), client_id=ACME)]
    refused = verdict(entry(1), rules=free)
    assert refused.reason == NotBilledReason.ZERO_RATE
    assert "Rate rule #1" in refused.detail
    assert verdict(entry(1), rules=free, unpriced="leave_unbilled").reason == (
        NotBilledReason.ZERO_RATE
    )
    billed = verdict(entry(1), rules=free, unpriced="bill_zero")
    assert billed.eligible
    assert billed.rate.rate == Decimal("0.00")


def test_time_without_a_rate_is_billed_at_zero_only_when_the_run_says_so():
    assert verdict(entry(1, project_id=UNPRICED)).reason == NotBilledReason.NO_RATE
    left = verdict(entry(1, project_id=UNPRICED), unpriced="leave_unbilled")
    assert left.reason == NotBilledReason.NO_RATE
    billed = verdict(entry(1, project_id=UNPRICED), unpriced="bill_zero")
    assert billed.eligible
    assert billed.rate.rate == Decimal("0.00")
    assert billed.rate.source.label.endswith("billed at 0.00 as chosen")


def test_time_without_a_client_says_no_client_though_freshbooks_flags_it_internal():
    result = verdict(replace(entry(1), client_id=None, project_id=None, internal=True))
    assert result.reason == NotBilledReason.NO_CLIENT
    assert result.detail == "The entry has no client; assign one to bill it."


def test_time_on_an_internal_project_is_internal_even_without_a_client():
    catalog = standard_catalog()
    internal = replace(catalog.projects[WEBSITE], internal=True)
    catalog = replace(catalog, projects={**catalog.projects, WEBSITE: internal})
    result = verdict(replace(entry(1), client_id=None, internal=True), catalog=catalog)
    assert result.reason == NotBilledReason.INTERNAL
    assert "Project 'Website' is internal" in result.detail


def test_time_on_an_internal_project_is_internal():
    catalog = standard_catalog()
    internal = replace(catalog.projects[WEBSITE], internal=True)
    catalog = replace(catalog, projects={**catalog.projects, WEBSITE: internal})
    result = verdict(entry(1), catalog=catalog)
    assert result.reason == NotBilledReason.INTERNAL
    assert "Project 'Website' is internal" in result.detail


@pytest.mark.parametrize(("status", "word"), [("archived", "archived"), ("deleted", "deleted")])
def test_time_of_an_archived_or_deleted_client_says_so(status, word):
    catalog = standard_catalog()
    gone = replace(catalog.clients[ACME], status=status)
    catalog = replace(catalog, clients={**catalog.clients, ACME: gone})
    result = verdict(entry(1), catalog=catalog)
    assert result.reason == NotBilledReason.CLIENT_ARCHIVED
    assert f"Client 'Acme' is {word} in FreshBooks" in result.detail
    assert "not been synced" not in result.detail


@pytest.mark.parametrize(
    ("choice", "detail"),
    [
        ({"excluded_entry_ids": frozenset({1})}, "You left this entry out"),
        ({"excluded_client_ids": frozenset({ACME})}, "did not choose this client"),
        ({"excluded_project_ids": frozenset({WEBSITE})}, "did not choose this project"),
    ],
)
def test_time_the_user_left_out_is_left_out_by_them(choice, detail):
    result = verdict(entry(1), **choice)
    assert result.reason == NotBilledReason.LEFT_OUT
    assert detail in result.detail


def test_non_billable_time_of_a_client_left_out_stays_non_billable():
    result = verdict(entry(1, billable=False), excluded_client_ids=frozenset({ACME}))
    assert result.reason == NotBilledReason.NOT_BILLABLE


def test_the_no_rate_detail_explains_what_is_missing():
    result = verdict(entry(1, project_id=UNPRICED))
    assert result.detail == ("Project 'Unpriced' has no billing method and no rate rule matches.")


def test_period_boundaries_are_inclusive_local_days():
    assert verdict(entry(1, started_at=utc("2024-05-01", "00:00"))).eligible
    assert verdict(entry(1, started_at=utc("2024-05-31", "23:59"))).eligible


def test_the_period_is_judged_in_the_business_time_zone():
    new_york = BusinessFacts(timezone="America/New_York", currency_code="USD", standard_rate=None)
    late_may = local("2024-05-31", "23:30", "America/New_York")  # 03:30 UTC on June 1st
    assert verdict(entry(1, started_at=late_may), business=new_york).eligible
    assert verdict(entry(1, started_at=late_may)).reason == NotBilledReason.OUTSIDE_PERIOD

    tokyo = BusinessFacts(timezone="Asia/Tokyo", currency_code="JPY", standard_rate=None)
    early_june = local("2024-06-01", "00:30", "Asia/Tokyo")  # 15:30 UTC on May 31st
    assert verdict(entry(1, started_at=early_june), business=tokyo).reason == (
        NotBilledReason.OUTSIDE_PERIOD
    )
    assert verdict(entry(1, started_at=early_june)).eligible


def test_checks_run_in_the_documented_order():
    everything_wrong = replace(
        entry(1, project_id=LAUNCH),
        active=False,
        billed=True,
        on_open_draft=True,
        started_at=utc("2024-07-01"),
        is_logged=False,
        billable=False,
        internal=True,
        client_id=None,
    )
    expected_order = [
        ("active", True, NotBilledReason.DELETED),
        ("billed", False, NotBilledReason.ALREADY_BILLED),
        ("on_open_draft", False, NotBilledReason.ALREADY_ON_DRAFT),
        ("started_at", utc("2024-05-10"), NotBilledReason.OUTSIDE_PERIOD),
        ("is_logged", True, NotBilledReason.RUNNING_TIMER),
        ("billable", True, NotBilledReason.NOT_BILLABLE),
        ("client_id", ACME, NotBilledReason.NO_CLIENT),
        ("internal", False, NotBilledReason.INTERNAL),
        ("project_id", WEBSITE, NotBilledReason.FIXED_PRICE_PROJECT),
    ]
    current = everything_wrong
    for field_name, fixed_value, reason in expected_order:
        assert verdict(current).reason == reason
        current = replace(current, **{field_name: fixed_value})
    assert verdict(current).eligible


def test_the_preview_lists_every_billable_entry_of_the_period_that_is_not_billed():
    assert {
        NotBilledReason.FIXED_PRICE_PROJECT,
        NotBilledReason.NO_CLIENT,
        NotBilledReason.CLIENT_ARCHIVED,
        NotBilledReason.INTERNAL,
        NotBilledReason.NO_RATE,
        NotBilledReason.ZERO_RATE,
        NotBilledReason.RUNNING_TIMER,
        NotBilledReason.LEFT_OUT,
    } == PREVIEW_REASONS
    assert not NotBilledReason.OUTSIDE_PERIOD.shown_in_preview
    assert not NotBilledReason.DELETED.shown_in_preview
    assert not NotBilledReason.ALREADY_BILLED.shown_in_preview
    assert NotBilledReason.FIXED_PRICE_PROJECT.shown_in_preview
