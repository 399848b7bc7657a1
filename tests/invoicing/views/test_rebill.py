"""The void-and-re-bill pages: the form starts from the draft's run, the replacement preview comes
first, only "Void and create the replacement" voids; every page is the owner's and every form
carries a CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from invoicing.drafts import (
    ReconnectRequired,
    draft_rebill_preview,
    invoice_run_create,
    invoice_run_preview,
)
from invoicing.drafts import rebill as rebill_module
from invoicing.models import Client, DraftEntry, DraftInvoice, InvoiceRun, Project, TimeEntry
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

MAY = {
    "period": "custom",
    "start": "2024-05-01",
    "end": "2024-05-31",
    "grouping": "project",
    "rounding_increment": 15,
    "rounding_direction": "nearest",
    "rounding_level": "line",
}


@pytest.fixture
def business():
    """Acme (120.00/h, 2 hours in May 2024) and Globex (80.00/h, 1 hour)."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="America/New_York")
    for client_id, name, project_id, rate in (
        (10, "Acme Corp", 70, "120"),
        (11, "Globex", 71, "80"),
    ):
        Client.objects.create(business=business, freshbooks_id=client_id, display_name=name)
        Project.objects.create(
            business=business,
            freshbooks_id=project_id,
            title=f"{name} website",
            client_freshbooks_id=client_id,
            billing_method="project_rate",
            rate=Decimal(rate),
        )
    started = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
    for number, (client_id, project_id, seconds) in enumerate(
        [(10, 70, 5400), (10, 70, 1800), (11, 71, 3600)]
    ):
        TimeEntry.objects.create(
            business=business,
            freshbooks_id=500 + number,
            client_freshbooks_id=client_id,
            project_freshbooks_id=project_id,
            started_at=started + timedelta(days=number),
            duration_seconds=seconds,
            billable=True,
        )
    return business


@pytest.fixture
def owner(client, business):
    client.force_login(business.connection.user)
    return client


@pytest.fixture
def draft(business) -> DraftInvoice:
    """Acme's planned draft of a May run grouped by project, rounded to 15 minutes."""
    run = invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)
    return run.drafts.get(client_freshbooks_id=10)


def url(name, business, **kwargs):
    return reverse(f"invoices:{name}", kwargs={"business_pk": business.pk, **kwargs})


def rebill_form(**overrides):
    return {
        "reason": "One line, please",
        "period": "custom",
        "start": "2024-05-01",
        "end": "2024-05-31",
        "grouping": "single",
        "rounding_increment": "0",
        "rounding_direction": "up",
        "rounding_level": "entry",
        **overrides,
    }


def form_html(page: str, *, action: str) -> str:
    """The HTML of the page's form posting to `action`."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, flags=re.DOTALL)
    assert match, f"no form posts to {action}"
    return match.group(0)


def open_reservations(draft) -> int:
    return DraftEntry.objects.filter(draft=draft, voided=False).count()


def test_the_form_starts_from_the_runs_options_and_asks_for_a_reason_up_front(
    owner, business, draft
):
    response = owner.get(url("draft_rebill", business, draft_pk=draft.pk))

    form = response.context["form"]
    page = response.content.decode()
    assert response.status_code == 200
    assert {name: form[name].value() for name in ("period", "start", "end")} == {
        "period": "custom",
        "start": "2024-05-01",
        "end": "2024-05-31",
    }
    assert {name: form[name].value() for name in MAY if name not in ("period", "start", "end")} == {
        "grouping": "project",
        "rounding_increment": 15,
        "rounding_direction": "nearest",
        "rounding_level": "line",
    }
    assert list(form.fields)[0] == "reason"
    assert "Reason (required)" in page
    assert re.search(r'<textarea name="reason"[^>]* required', page)
    assert "Nothing is voided yet" in page
    # The dates are served enabled: only period_fields.js turns them off for a preset period.
    [start] = re.findall(r'<input[^>]*name="start"[^>]*>', page)
    assert "disabled" not in start
    assert "js/period_fields.js" in page


def test_posting_shows_the_replacement_preview_and_voids_nothing(owner, business, draft):
    response = owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())

    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)
    assert response.status_code == 302
    assert response["Location"] == url("run", business, run_pk=rebill.pk)
    page = owner.get(response["Location"]).content.decode()
    assert "Nothing has been voided yet" in page
    assert "One line, please" in page
    assert "Void and create the replacement" in page
    assert "Create drafts" not in page  # the plain create would leave the old draft open
    assert "Professional services" in page and "240.00" in page  # the replacement, one line
    assert rebill.client_freshbooks_ids == [10]
    assert rebill.replaces_draft == draft
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED
    assert open_reservations(draft) == 2


def test_a_missing_reason_or_bad_options_are_refused_next_to_the_field(owner, business, draft):
    no_reason = owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form(reason=""))
    bad_period = owner.post(
        url("draft_rebill", business, draft_pk=draft.pk), rebill_form(end="2024-04-01")
    )

    assert no_reason.status_code == bad_period.status_code == 400
    assert "Say why the draft is re-billed" in " ".join(no_reason.context["form"].errors["reason"])
    assert "before it starts" in " ".join(bad_period.context["form"].errors["end"])
    assert not InvoiceRun.objects.filter(trigger=InvoiceRun.Trigger.REBILL).exists()


def test_confirming_voids_the_old_draft_and_creates_the_replacement(
    owner, business, draft, django_capture_on_commit_callbacks
):
    owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())
    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)

    with django_capture_on_commit_callbacks() as enqueued:
        response = owner.post(
            url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=rebill.pk)
        )
    page = owner.get(response["Location"]).content.decode()

    assert response["Location"] == url("run", business, run_pk=rebill.pk)
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.VOIDED
    assert (draft.voided_by, draft.void_reason) == (business.connection.user, "One line, please")
    [replacement] = DraftInvoice.objects.filter(run=rebill)
    assert len(enqueued) == 1
    assert replacement.total == Decimal("240.00")
    assert open_reservations(replacement) == 2 and open_reservations(draft) == 0
    assert f"Draft #{draft.pk} was voided" in page
    assert "run_progress.js" in page
    draft_page = owner.get(url("draft", business, draft_pk=draft.pk)).content.decode()
    assert f"run #{rebill.pk}" in draft_page and "One line, please" in draft_page


def test_when_the_replacement_cannot_be_created_the_page_says_the_time_is_billable(
    owner, business, draft, monkeypatch
):
    owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())
    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)

    def access_lost(**kwargs):
        raise ReconnectRequired("FreshBooks access for this business was lost. Reconnect.")

    monkeypatch.setattr(rebill_module, "invoice_run_create", access_lost)
    response = owner.post(
        url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=rebill.pk), follow=True
    )

    page = response.content.decode()
    assert "was voided and its time is unbilled and billable again" in page
    assert "Nothing is lost" in page
    assert "Create the replacement" in page  # the preview waits for access to come back
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.VOIDED
    assert not DraftInvoice.objects.filter(run=rebill).exists()
    assert not DraftEntry.objects.filter(voided=False, time_entry__client_freshbooks_id=10).exists()


def test_a_voided_draft_offers_a_new_preview_instead_of_a_re_bill(owner, business, draft):
    owner.post(url("draft_void", business, draft_pk=draft.pk), {"reason": "gone"})

    page = owner.get(url("draft_rebill", business, draft_pk=draft.pk)).content.decode()
    refused = owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())

    assert "already voided" in page and "<form" not in page.split("</header>")[1]
    assert refused.status_code == 409
    assert not InvoiceRun.objects.filter(trigger=InvoiceRun.Trigger.REBILL).exists()


def test_another_users_draft_or_run_is_not_found_and_nothing_changes(client, business, draft):
    owner_client = BrowserClient()
    owner_client.force_login(business.connection.user)
    owner_client.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())
    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)
    stranger = ConnectedBusinessFactory()
    client.force_login(stranger.connection.user)

    pages = [
        ("get", url("draft_rebill", business, draft_pk=draft.pk)),
        ("post", url("draft_rebill", business, draft_pk=draft.pk)),
        ("get", url("draft_rebill", stranger, draft_pk=draft.pk)),
        ("post", url("draft_rebill", stranger, draft_pk=draft.pk)),
        ("post", url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=rebill.pk)),
        ("post", url("draft_rebill_confirm", stranger, draft_pk=draft.pk, run_pk=rebill.pk)),
        ("get", url("run", stranger, run_pk=rebill.pk)),
    ]
    for method, path in pages:
        response = getattr(client, method)(path, rebill_form())
        assert response.status_code == 404, path
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED
    assert InvoiceRun.objects.filter(trigger=InvoiceRun.Trigger.REBILL).count() == 1


def test_the_confirm_url_takes_only_the_run_that_replaces_that_draft(owner, business, draft):
    owner.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())
    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)
    globex = DraftInvoice.objects.get(client_freshbooks_id=11)
    plain_run = draft.run

    wrong_draft = owner.post(
        url("draft_rebill_confirm", business, draft_pk=globex.pk, run_pk=rebill.pk)
    )
    not_a_rebill = owner.post(
        url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=plain_run.pk)
    )
    a_get = owner.get(url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=rebill.pk))

    assert (wrong_draft.status_code, not_a_rebill.status_code, a_get.status_code) == (
        404,
        404,
        405,
    )
    assert not DraftInvoice.objects.filter(state=DraftInvoice.State.VOIDED).exists()


def test_the_rebill_forms_carry_a_csrf_token_and_refuse_a_post_without_one(business, draft):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(business.connection.user)
    form_page = browser.get(url("draft_rebill", business, draft_pk=draft.pk)).content.decode()
    rebill = draft_rebill_preview(draft_id=draft.pk, user=None, reason="why", raw_options=MAY)
    run_page = browser.get(url("run", business, run_pk=rebill.pk)).content.decode()
    confirm_url = url("draft_rebill_confirm", business, draft_pk=draft.pk, run_pk=rebill.pk)

    forged_preview = browser.post(url("draft_rebill", business, draft_pk=draft.pk), rebill_form())
    forged_confirm = browser.post(confirm_url)

    assert "csrfmiddlewaretoken" in form_page
    assert "csrfmiddlewaretoken" in form_html(run_page, action=confirm_url)
    assert forged_preview.status_code == forged_confirm.status_code == 403
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED
    assert InvoiceRun.objects.filter(trigger=InvoiceRun.Trigger.REBILL).count() == 1


def test_a_post_without_a_period_keeps_the_runs_period(owner, business, draft):
    form = rebill_form()
    for name in ("period", "start", "end"):
        form.pop(name)

    owner.post(url("draft_rebill", business, draft_pk=draft.pk), form)

    rebill = InvoiceRun.objects.get(trigger=InvoiceRun.Trigger.REBILL)
    assert (rebill.period_start.isoformat(), rebill.period_end.isoformat()) == (
        "2024-05-01",
        "2024-05-31",
    )
