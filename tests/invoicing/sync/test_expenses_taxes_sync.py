"""Expenses and taxes mirrored from the running sandbox: full and incremental syncs, webhook
refreshes, and a connection made before their scopes were asked for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connections.freshbooks import TokenSet
from connections.services.tokens import identity_tokens_store
from connections.webhooks import registry
from invoicing.models import Expense, SyncRun, Tax
from invoicing.sync.objects import object_refresh
from invoicing.sync.runs import sync_run_execute
from tests.factories import SyncRunFactory
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db

SMALL = {"clients": 6, "time_entries": 60, "months": 1}


def run_sync(business, kind=SyncRun.Kind.FULL, **fields) -> SyncRun:
    return sync_run_execute(run_id=SyncRunFactory(business=business, kind=kind, **fields).pk)


def mirrored_expenses(business) -> dict[int, tuple]:
    return {
        expense.freshbooks_id: (
            expense.amount,
            expense.currency_code,
            expense.client_freshbooks_id,
            expense.project_freshbooks_id,
            expense.billable,
            expense.status,
            expense.invoice_freshbooks_id,
            expense.tax_name1 or None,
            expense.tax_amount1,
            expense.active,
        )
        for expense in Expense.objects.filter(business=business)
    }


def sandbox_expenses(sandbox, account_id) -> dict[int, tuple]:
    return {
        expense["id"]: (
            Decimal(expense["amount"]["amount"]),
            expense["amount"]["code"],
            expense["clientid"] or None,
            expense["projectid"] or None,
            expense["billable"],
            expense["status"],
            expense["invoiceid"],
            expense["taxName1"],
            Decimal(expense["taxAmount1"]["amount"]) if expense["taxAmount1"] else None,
            expense["vis_state"] == 0,
        )
        for expense in sandbox.control.state(account_id, "expenses")
    }


@pytest.fixture
def canadian(use_sandbox):
    """The seed's second business: Canadian, with HST and GST and billable expenses."""
    return connect_sandbox_business(use_sandbox, business_index=1, **SMALL)


def test_a_full_sync_mirrors_the_expenses_and_taxes(use_sandbox, canadian):
    run = run_sync(canadian.business)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    account_id = canadian.business.account_id
    expected = sandbox_expenses(use_sandbox, account_id)
    assert expected and mirrored_expenses(canadian.business) == expected
    taxes = Tax.objects.filter(business=canadian.business).order_by("freshbooks_id")
    assert [(t.name, t.percent, t.number, t.compound) for t in taxes] == [
        ("HST", Decimal("13.00"), "RT 0001", False),
        ("GST", Decimal("5.00"), "RT 0002", False),
    ]
    assert run.skipped == 0


def test_an_incremental_sync_picks_up_new_changed_and_deleted_expenses(use_sandbox, canadian):
    business = canadian.business
    first = run_sync(business)
    control, bid = use_sandbox.control, canadian.business.business_id
    existing = sorted(mirrored_expenses(business))
    control.act_update(bid, "expenses", existing[0], markup_percent="25")
    control.act_delete(bid, "expenses", existing[1])
    category = control.state(business.account_id, "expenses")[0]["categoryid"]
    added = control.act_create(
        bid,
        "expenses",
        amount={"amount": "20.00", "code": "CAD"},
        categoryid=category,
        staffid=1,
        date="2026-01-05",
        billable=True,
    )
    control.act_create(bid, "taxes", name="PST", amount="8", compound=True)

    incremental = run_sync(business, kind=SyncRun.Kind.INCREMENTAL, changes_since=first.started_at)

    assert incremental.status == SyncRun.Status.SUCCEEDED, incremental.error
    assert mirrored_expenses(business) == sandbox_expenses(use_sandbox, business.account_id)
    assert Expense.objects.get(freshbooks_id=existing[0]).markup_percent == Decimal("25")
    assert Expense.objects.get(freshbooks_id=added["id"]).amount == Decimal("20.00")
    assert Tax.objects.get(business=business, name="PST").compound is True


def test_expense_and_tax_webhooks_refresh_the_mirror(use_sandbox, canadian):
    business = canadian.business
    run_sync(business)
    control, bid = use_sandbox.control, business.business_id
    assert {"expense", "tax"} <= registry.registered_nouns()
    expense_id = min(mirrored_expenses(business))
    control.act_update(bid, "expenses", expense_id, vendor="Renamed Vendor")
    assert object_refresh(business=business, noun="expense", object_id=expense_id) == "updated"
    assert Expense.objects.get(freshbooks_id=expense_id).vendor == "Renamed Vendor"

    control.act_delete(bid, "expenses", expense_id)
    assert object_refresh(business=business, noun="expense", object_id=expense_id) == "deleted"
    assert Expense.objects.get(freshbooks_id=expense_id).active is False

    tax = Tax.objects.filter(business=business).first()
    control.act_update(bid, "taxes", tax.freshbooks_id, amount="15")
    assert object_refresh(business=business, noun="tax", object_id=tax.freshbooks_id) == "updated"
    tax.refresh_from_db()
    assert tax.percent == Decimal("15")
    control.act_delete(bid, "taxes", tax.freshbooks_id)
    assert object_refresh(business=business, noun="tax", object_id=tax.freshbooks_id) == "deleted"
    tax.refresh_from_db()
    assert tax.active is False


def test_a_connection_without_the_expense_scopes_still_syncs_and_says_why(use_sandbox):
    seeded = use_sandbox.control.seed(**SMALL)
    owner = seeded["businesses"][1]
    connected = connect_sandbox_business(use_sandbox, business_index=1, seeded=seeded)
    narrow = use_sandbox.control.obtain_tokens(
        client_id=use_sandbox.client_id,
        client_secret=use_sandbox.client_secret,
        redirect_uri=use_sandbox.redirect_uri,
        identity_id=owner["owner_identity_id"],
        scope="user:profile:read user:clients:read user:projects:read "
        "user:billable_items:read user:time_entries:read user:teams:read",
    )
    identity_tokens_store(
        identity=connected.identity, token_set=TokenSet.from_token_response(narrow)
    )

    run = run_sync(connected.business)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    reasons = [skip["reason"] for skip in run.skip_reasons]
    assert any("reading taxes" in reason for reason in reasons)
    assert any("reading expenses" in reason for reason in reasons)
    assert not Expense.objects.filter(business=connected.business).exists()
