"""The demo bills on the first try: with the sandbox's default seed, most clients of both seeded
businesses get a draft with the default options, and every reason for holding time back shows,
with a link to its fix where a rate is missing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.billing import NotBilledReason
from invoicing.drafts import invoice_run_preview
from invoicing.models import TaxDefault
from invoicing.rates import standard_rate_set
from invoicing.selectors import billing_context
from invoicing.selectors.rates import rate_fix_link_for, rate_names
from tests.invoicing.drafts.conftest import sync_business
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db

PERIODS = ("last_month", "this_month")


@pytest.fixture
def demo(use_sandbox):
    """Both full businesses of the default seed, connected by their owners and synced."""
    first = connect_sandbox_business(use_sandbox)
    second = connect_sandbox_business(use_sandbox, business_index=1, seeded=first.seed)
    for seeded in (first, second):
        sync_business(seeded.business)
    return [first.business, second.business]


def plan_of(business, period: str):
    """The plan behind a preview, with the `rate_fix` of every unpriced entry."""
    options = billing_context.options_for(
        business, {"period": period}, today=billing_context.business_today(business, timezone.now())
    )
    facts, _ = billing_context.entry_facts(
        business, billing_context.candidate_entries(business, options)
    )
    return billing_context.billing_plan(
        billing_context.billing_context_for(business), entries=facts, options=options
    )


def test_most_clients_bill_on_the_first_try_and_every_reason_to_hold_back_shows(demo):
    reasons: Counter[str] = Counter()
    fixes: set[str] = set()
    for business in demo:
        for period in PERIODS:
            preview = invoice_run_preview(business=business, raw_options={"period": period})
            drafts = preview.preview["drafts"]
            held = [draft for draft in drafts if draft["blocked_reason"]]
            # Two clients per business wait on purpose: one has no rate, one the standard rate.
            assert len(held) <= 2, (business.name, period, held)
            assert preview.preview["drafts_to_create"] > len(drafts) / 2, (business.name, period)
            if period == "last_month":  # a whole month: every client of the seed has time
                assert len(drafts) >= 10, business.name
                assert len(held) == 2, (business.name, held)
            reasons.update(item["reason"] for item in preview.preview["not_billed"])
            reasons.update(preview.preview["skipped_counts"])
            names = rate_names(business)
            for item in plan_of(business, period).not_billed:
                if item.reason == NotBilledReason.NO_RATE:
                    fixes.add(rate_fix_link_for(business, item.rate_fix, names=names).label)

    for reason in (
        NotBilledReason.NO_RATE,
        NotBilledReason.FIXED_PRICE_PROJECT,
        NotBilledReason.RUNNING_TIMER,
        NotBilledReason.NO_CLIENT,  # time without a client, though FreshBooks flags it internal
        NotBilledReason.INTERNAL,  # time on the internal project
        NotBilledReason.NOT_BILLABLE,
    ):
        assert reasons[reason] > 0, reason
    assert "Set the standard rate" in fixes
    assert any(label.startswith("Set a rate for project ") for label in fixes)
    assert any(label.startswith("Set a rate for client ") for label in fixes)


def test_answering_the_standard_rate_question_leaves_one_client_held_back(demo):
    business = demo[0]
    standard_rate_set(business=business, rate=Decimal("95"))

    preview = invoice_run_preview(business=business, raw_options={"period": "last_month"})

    drafts = preview.preview["drafts"]
    held = [draft for draft in drafts if draft["blocked_reason"]]
    assert len(held) == 1
    assert "no rate" in held[0]["blocked_reason"]
    assert preview.preview["drafts_to_create"] == len(drafts) - 1


@pytest.fixture
def demo_with_tax(use_sandbox, settings):
    """The demo as `make run` has it (DEMO_BUSINESS_TAX="HST"): both businesses, first synced."""
    settings.DEMO_BUSINESS_TAX = "HST"
    first = connect_sandbox_business(use_sandbox)
    second = connect_sandbox_business(use_sandbox, business_index=1, seeded=first.seed)
    for seeded in (first, second):
        sync_business(seeded.business)
    return {business.currency_code: business for business in (first.business, second.business)}


def test_the_canadian_business_first_preview_shows_hst_and_the_us_one_no_tax(demo_with_tax):
    canadian, american = demo_with_tax["CAD"], demo_with_tax["USD"]

    preview = invoice_run_preview(business=canadian, raw_options={"period": "last_month"})
    created = [draft for draft in preview.preview["drafts"] if not draft["blocked_reason"]]
    assert created
    for draft in created:
        assert [tax["label"] for tax in draft["taxes"]] == ["HST (13%)"]
        assert Decimal(draft["total"]) > Decimal(draft["subtotal"])

    us_preview = invoice_run_preview(business=american, raw_options={"period": "last_month"})
    assert all(draft["taxes"] == [] for draft in us_preview.preview["drafts"])
    assert not TaxDefault.objects.filter(business=american).exists()


def test_the_demo_tax_is_given_once_so_removing_it_sticks(demo_with_tax):
    canadian = demo_with_tax["CAD"]
    TaxDefault.objects.filter(business=canadian).delete()

    sync_business(canadian)

    assert not TaxDefault.objects.filter(business=canadian).exists()


def test_the_first_preview_bills_the_seeded_expenses_with_hst_in_canada_and_no_tax_in_the_us(demo):
    taxes_by_business = {}
    for business in demo:
        preview = invoice_run_preview(business=business, raw_options={"period": "last_month"})
        snapshot = preview.preview
        assert snapshot["expenses"] == "all"  # the business default, unless changed
        lines = [line for draft in snapshot["drafts"] for line in draft["expense_lines"]]
        assert len(lines) >= 10, business.name  # one per client last month
        assert all(line["date"] and line["name"] and Decimal(line["amount"]) > 0 for line in lines)
        taxes_by_business[business.currency_code] = {tax for line in lines for tax in line["taxes"]}
        other = [
            item for item in snapshot["expenses_not_billed"] if item["reason"] == "other_currency"
        ]
        assert len(other) == 1, snapshot["expenses_not_billed"]
        assert other[0]["reason_label"] == "Another currency"

    assert taxes_by_business == {"USD": set(), "CAD": {"HST (13%)"}}
