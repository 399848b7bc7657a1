"""The draft pages (invoicing/views/drafts.py): void and re-bill, refused without a reason or
with bad options."""

from __future__ import annotations

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import DraftInvoice, InvoiceRun
from tests.invoicing.views.helpers import MAY, url

pytestmark = pytest.mark.django_db


def test_voiding_without_a_reason_is_refused(owner_client, business):
    run = invoice_run_preview(business=business, raw_options=MAY)
    draft = invoice_run_create(run_id=run.pk).drafts.get()

    response = owner_client.post(url("draft_void", business, draft_pk=draft.pk), {"reason": ""})

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED


def test_a_planned_draft_can_be_voided_and_its_time_is_billable_again(owner_client, business):
    draft = invoice_run_create(
        run_id=invoice_run_preview(business=business, raw_options=MAY).pk
    ).drafts.get()

    response = owner_client.post(
        url("draft_void", business, draft_pk=draft.pk), {"reason": "Wrong grouping"}
    )
    again = invoice_run_preview(business=business, raw_options=MAY)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.VOIDED
    assert draft.voided_by == business.connection.user
    assert draft.void_reason == "Wrong grouping"
    assert again.preview["drafts_to_create"] == 1


def test_the_rebill_form_refuses_bad_options_before_voiding_anything(owner_client, business):
    run = invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)
    draft = run.drafts.get()

    response = owner_client.post(
        url("draft_rebill", business, draft_pk=draft.pk),
        {
            "reason": "regroup",
            "grouping": "weekly",
            "rounding_increment": "0",
            "rounding_direction": "up",
            "rounding_level": "entry",
        },
    )

    assert response.status_code == 400
    assert "grouping" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED


def test_rebilling_a_planned_draft_previews_its_replacement_first(owner_client, business):
    run = invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)
    draft = run.drafts.get()

    response = owner_client.post(
        url("draft_rebill", business, draft_pk=draft.pk),
        {
            "reason": "one line please",
            "grouping": "single",
            "rounding_increment": "30",
            "rounding_direction": "up",
            "rounding_level": "entry",
        },
    )

    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)
    assert response.status_code == 302
    assert response["Location"] == url("run", business, run_pk=rebill.pk)
    assert [d["lines"][0]["name"] for d in rebill.preview["drafts"]] == ["Professional services"]
    assert rebill.preview["drafts"][0]["total"] == "240.00"
    assert (rebill.period_start.isoformat(), rebill.period_end.isoformat()) == (
        "2024-05-01",
        "2024-05-31",
    )
    draft.refresh_from_db()
    assert (
        draft.state == DraftInvoice.State.PLANNED
    )  # voided only once the replacement is confirmed
