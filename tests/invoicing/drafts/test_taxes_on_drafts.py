"""Tax defaults on real drafts, against the sandbox process: the invoice POST's time lines carry
the taxes (`taxName1/taxAmount1`, `taxName2/taxAmount2`, `compounded_tax`) and FreshBooks' total is
the preview's to the cent; a change of tax defaults, or of a tax's percent in FreshBooks, between
preview and create outdates the preview and creates nothing until the new plan is confirmed; a
default naming an unusable tax holds the time back with the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview, invoice_run_replan_confirm
from invoicing.models import DraftInvoice, InvoiceRun, Tax
from invoicing.selectors.preview_changes import preview_changes
from invoicing.selectors.previews import preview_outdated
from invoicing.tax_defaults import tax_default_save

from .conftest import (
    advance_until_settled,
    connect_and_sync,
    live_invoices,
    period_options,
    sync_business,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxed(use_sandbox):
    """A synced sandbox business with a plain tax (GST 5%) and a compound one (QST 9.975%)."""
    seeded = connect_and_sync(use_sandbox, time_entries=80, months=2, clients=3)
    business = seeded.business
    for name, amount, compound in (("GST", "5", False), ("QST", "9.975", True)):
        use_sandbox.control.act_create(
            business.business_id, "taxes", name=name, amount=amount, compound=compound
        )
    sync_business(business)
    return business


def change_sentences(run) -> list[str]:
    changes = preview_changes(run.preview, run.replanned)
    return [sentence for change in changes for sentence in change["changes"]]


def tax_id(business, name: str) -> int:
    return Tax.objects.get(business=business, name=name, active=True).freshbooks_id


def test_the_created_invoices_carry_the_taxes_and_equal_the_preview_to_the_cent(use_sandbox, taxed):
    business = taxed
    tax_default_save(
        business=business,
        scope="business",
        target_id=None,
        tax_ids=[tax_id(business, "QST"), tax_id(business, "GST")],
    )
    # Time only: expense lines carry their own taxes, never the defaults.
    run = invoice_run_preview(business=business, raw_options=period_options(expenses="none"))
    seen = {
        draft["client_id"]: draft for draft in run.preview["drafts"] if not draft["blocked_reason"]
    }
    assert seen
    for draft in seen.values():
        assert [tax["label"] for tax in draft["taxes"]] == ["GST (5%)", "QST (9.975%)"]
        taxes = sum((Decimal(tax["amount"]) for tax in draft["taxes"]), Decimal(0))
        assert Decimal(draft["subtotal"]) + taxes == Decimal(draft["total"])

    run = invoice_run_create(run_id=run.pk, user=business.connection.user)
    drafts = advance_until_settled(run)

    invoices = {invoice["id"]: invoice for invoice in live_invoices(use_sandbox, business)}
    assert len(invoices) == len(seen)
    for draft in drafts:
        assert draft.state == DraftInvoice.State.DONE, draft.error
        invoice = invoices[draft.freshbooks_invoice_id]
        preview = seen[draft.client_freshbooks_id]
        assert invoice["amount"]["amount"] == preview["total"]
        assert draft.freshbooks_total == draft.total == Decimal(preview["total"])
        assert draft.subtotal == Decimal(preview["subtotal"])
        for line in invoice["lines"]:
            assert (line["taxName1"], Decimal(line["taxAmount1"])) == ("GST", Decimal("5"))
            assert (line["taxName2"], Decimal(line["taxAmount2"])) == ("QST", Decimal("9.975"))
            assert line["compounded_tax"] is True


def test_changing_the_tax_defaults_after_the_preview_outdates_it_and_creates_nothing(
    use_sandbox, taxed
):
    business = taxed
    run = invoice_run_preview(business=business, raw_options=period_options(expenses="none"))
    assert all(not draft["taxes"] for draft in run.preview["drafts"])

    tax_default_save(
        business=business, scope="business", target_id=None, tax_ids=[tax_id(business, "GST")]
    )

    run.refresh_from_db()
    assert preview_outdated(run)
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)
    assert run.status == InvoiceRun.Status.PREVIEWED and run.replanned
    assert not DraftInvoice.objects.filter(run=run).exists()
    assert live_invoices(use_sandbox, business) == []
    sentences = [
        s for change in preview_changes(run.preview, run.replanned) for s in change["changes"]
    ]
    assert any("taxes no tax → GST (5%)" in sentence for sentence in sentences), sentences
    assert any(sentence.startswith("Taxes none → GST (5%) ") for sentence in sentences)

    invoice_run_replan_confirm(run_id=run.pk)
    run = invoice_run_create(run_id=run.pk)
    advance_until_settled(run)
    assert all(
        line["taxName1"] == "GST"
        for invoice in live_invoices(use_sandbox, business)
        for line in invoice["lines"]
    )


def test_a_tax_percent_changed_in_freshbooks_after_the_preview_creates_nothing_until_confirmed(
    use_sandbox, taxed
):
    business = taxed
    gst = tax_id(business, "GST")
    tax_default_save(business=business, scope="business", target_id=None, tax_ids=[gst])
    run = invoice_run_preview(business=business, raw_options=period_options())

    use_sandbox.control.act_update(business.business_id, "taxes", gst, amount="7")
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)

    assert run.status == InvoiceRun.Status.PREVIEWED and run.replanned
    assert live_invoices(use_sandbox, business) == []
    sentences = [
        s for change in preview_changes(run.preview, run.replanned) for s in change["changes"]
    ]
    assert any("taxes GST (5%) → GST (7%)" in sentence for sentence in sentences), sentences


def test_a_default_naming_an_unusable_tax_holds_the_time_back_with_the_reason(taxed):
    business = taxed
    Tax.objects.create(
        business=business, freshbooks_id=999_001, name="Odd", percent=None, raw={"amount": "-3"}
    )
    tax_default_save(business=business, scope="business", target_id=None, tax_ids=[999_001])

    run = invoice_run_preview(business=business, raw_options=period_options())

    assert run.preview["drafts"]
    for draft in run.preview["drafts"]:
        assert "The tax Odd is -3% in FreshBooks, but a tax must be 0 to 100%" in (
            draft["blocked_reason"] or ""
        )
        assert draft["taxes"] == []
    assert run.preview["drafts_to_create"] == 0
