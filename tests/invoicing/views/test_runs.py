"""The run pages (invoicing/views/runs.py): tenancy, the preview and its reasons, bad input, create,
progress, and links to FreshBooks invoices."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import DraftInvoice, InvoiceRun
from tests.factories import ConnectedBusinessFactory, UserFactory
from tests.invoicing.views.helpers import MAY, url

pytestmark = pytest.mark.django_db


def test_another_users_business_is_not_found(client, business):
    client.force_login(UserFactory())

    for name in ("runs", "new"):
        assert client.get(url(name, business)).status_code == 404


def test_another_users_run_is_not_found_even_through_their_own_business(client, business):
    run = invoice_run_preview(business=business, raw_options=MAY)
    stranger = ConnectedBusinessFactory()
    client.force_login(stranger.connection.user)

    response = client.get(url("run", stranger, run_pk=run.pk))

    assert response.status_code == 404


def test_the_preview_shows_drafts_lines_rate_sources_and_why_time_is_not_billed(
    owner_client, business
):
    response = owner_client.post(url("new", business), {**form_data(), "grouping": "detailed"})

    run = InvoiceRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("run", business, run_pk=run.pk)
    page = owner_client.get(response["Location"]).content.decode()
    assert "Acme Corp" in page
    assert "Project &#x27;Website&#x27; hourly rate" in page
    assert "240.00" in page  # 1.5 h + 0.5 h at 120.00
    assert "Fixed-price project" in page
    assert "Running timer" in page
    assert "Create drafts" in page


def form_data(**overrides):
    return {
        "period": "custom",
        "start": "2024-05-01",
        "end": "2024-05-31",
        "grouping": "service",
        "rounding_increment": "0",
        "rounding_direction": "up",
        "rounding_level": "entry",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end": "2024-04-01"}, "end", "before it starts"),
        ({"grouping": "by_mood"}, "grouping", "valid choice"),
        ({"rounding_increment": "-15"}, "rounding_increment", "0, 1, 6, 10, 15, 30 or 60"),
        ({"start": ""}, "start", "needs a start date"),
    ],
)
def test_options_out_of_range_are_refused_next_to_the_field_and_nothing_is_kept(
    owner_client, business, overrides, field, message
):
    response = owner_client.post(url("new", business), form_data(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not InvoiceRun.objects.exists()


def test_create_refused_for_an_identity_that_must_reconnect_says_so_and_creates_nothing(
    owner_client, business
):
    run = invoice_run_preview(business=business, raw_options=MAY)
    identity = business.connection.identity
    identity.state = "reauth_required"
    identity.save()

    page = owner_client.get(url("run", business, run_pk=run.pk)).content.decode()
    response = owner_client.post(url("run_create", business, run_pk=run.pk), follow=True)

    assert "Reconnect FreshBooks" in page
    assert "Reconnect FreshBooks" in response.content.decode()
    assert not DraftInvoice.objects.exists()
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED


def test_create_reserves_the_time_and_the_page_follows_the_run(
    owner_client, business, django_capture_on_commit_callbacks
):
    run = invoice_run_preview(business=business, raw_options=MAY)

    with django_capture_on_commit_callbacks() as enqueued:
        response = owner_client.post(url("run_create", business, run_pk=run.pk))
    page = owner_client.get(response["Location"]).content.decode()
    progress = owner_client.get(url("run_progress", business, run_pk=run.pk)).json()

    assert len(enqueued) == 1
    run.refresh_from_db()
    assert run.approved_by == business.connection.user
    draft = DraftInvoice.objects.get()
    assert draft.total == Decimal("240.00")
    assert '<meta http-equiv="refresh"' in page and "<noscript>" in page
    assert "run_progress.js" in page
    assert progress == {
        "status": "creating",
        "status_label": "Creating drafts",
        "status_tone": "warn",
        "drafts_total": 1,
        "drafts_done": 0,
        "drafts_failed": 0,
        "drafts_voided": 0,
        "percent": 0,
        "finished": False,
        "summary": "0 of 1 drafts done.",
        "in_freshbooks": "In FreshBooks: $0.00 of $240.00.",
        "next_step": "",
        "drafts": [
            {
                "id": draft.pk,
                "state": "planned",
                "state_label": "Planned",
                "tone": "warn",
                "total": "$240.00",
                "freshbooks_total": "",
                "freshbooks_url": "",
                "freshbooks_label": "not yet",
                "error": "",
            }
        ],
    }


def test_the_runs_page_lists_runs_and_a_draft_links_to_its_freshbooks_invoice(
    owner_client, business, settings
):
    settings.FRESHBOOKS_INVOICE_URL_TEMPLATE = "https://fb.example/{account_id}/{invoice_id}"
    run = invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)
    run.drafts.update(
        state=DraftInvoice.State.DONE, freshbooks_invoice_id=4321, freshbooks_invoice_number="0042"
    )

    runs_page = owner_client.get(url("runs", business)).content.decode()
    run_page = owner_client.get(url("run", business, run_pk=run.pk)).content.decode()
    draft_page = owner_client.get(
        url("draft", business, draft_pk=run.drafts.get().pk)
    ).content.decode()

    runs_text = re.sub(r"<[^>]+>", "", runs_page)  # each date is its own unbreakable span
    assert f"#{run.pk}" in runs_page and "2024-05-01 to 2024-05-31" in runs_text
    link = f'href="https://fb.example/{business.account_id}/4321"'
    assert link in run_page and link in draft_page
    assert ">0042<" in run_page
    assert "Void and re-bill" in draft_page
