"""The run page is live: its rows and its summary come from the same read of the drafts, the JSON it
polls carries both, FreshBooks links appear as drafts are created, and a finished run says what
to do next."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import Client, DraftInvoice, InvoiceRun, Project, TimeEntry
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

CLIENTS = ["Acme Corp", "Globex", "Initech", "Umbrella"]
MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31", "grouping": "single"}
TEMPLATE = "https://fb.example/{account_id}/{invoice_id}"


@pytest.fixture
def business():
    """Four clients, one hour each in May 2024 at 100.00/h."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    for number, name in enumerate(CLIENTS):
        Client.objects.create(business=business, freshbooks_id=10 + number, display_name=name)
        Project.objects.create(
            business=business,
            freshbooks_id=70 + number,
            title=f"{name} work",
            client_freshbooks_id=10 + number,
            billing_method="project_rate",
            rate=Decimal("100.00"),
        )
        TimeEntry.objects.create(
            business=business,
            freshbooks_id=500 + number,
            client_freshbooks_id=10 + number,
            project_freshbooks_id=70 + number,
            started_at=datetime(2024, 5, 6, 9, tzinfo=UTC) + timedelta(days=number),
            duration_seconds=3600,
            billable=True,
        )
    return business


@pytest.fixture
def owner(client, business, settings):
    settings.FRESHBOOKS_INVOICE_URL_TEMPLATE = TEMPLATE
    client.force_login(business.connection.user)
    return client


@pytest.fixture
def run(business) -> InvoiceRun:
    """Four drafts created; the workers have not touched any yet."""
    return invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)


def url(name, business, **kwargs):
    return reverse(f"invoices:{name}", kwargs={"business_pk": business.pk, **kwargs})


def drafts_by_client(run) -> dict[str, DraftInvoice]:
    return {draft.client_name: draft for draft in run.drafts.all()}


def created_in_freshbooks(draft, invoice_id: int, *, state=DraftInvoice.State.DONE) -> None:
    DraftInvoice.objects.filter(pk=draft.pk).update(
        state=state,
        freshbooks_invoice_id=invoice_id,
        freshbooks_invoice_number=f"{invoice_id:07d}",
        freshbooks_total=draft.total,
    )


def page_rows(page: str) -> dict[int, str]:
    """Each draft row's visible text, by draft id."""
    rows = re.findall(r'<tr data-draft-id="(\d+)">(.*?)</tr>', page, flags=re.DOTALL)
    return {
        int(pk): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip() for pk, html in rows
    }


def test_rows_and_summary_agree_while_drafts_progress_even_when_the_run_counters_lag(
    owner, business, run
):
    drafts = drafts_by_client(run)
    created_in_freshbooks(drafts["Acme Corp"], 41)
    created_in_freshbooks(drafts["Globex"], 42, state=DraftInvoice.State.MARKING_BILLED)
    DraftInvoice.objects.filter(pk=drafts["Initech"].pk).update(
        state=DraftInvoice.State.FAILED, error="FreshBooks refused the invoice: client deleted"
    )
    # The run's own counters are refreshed only when a worker finishes a draft: still 0 here.
    assert InvoiceRun.objects.get(pk=run.pk).drafts_done == 0

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    progress = owner.get(url("run_progress", business, run_pk=run.pk)).json()

    assert "1 of 4 drafts done, 1 failed." in page
    assert progress["summary"] == "1 of 4 drafts done, 1 failed."
    assert (progress["drafts_done"], progress["drafts_failed"], progress["percent"]) == (1, 1, 50)
    assert progress["in_freshbooks"] == "In FreshBooks: $200.00 of $400.00."
    rows = page_rows(page)
    assert rows[drafts["Acme Corp"].pk] == "Acme Corp Done $100.00 0000041"
    assert rows[drafts["Globex"].pk] == "Globex Marking time billed $100.00 0000042"
    assert rows[drafts["Initech"].pk] == (
        "Initech Failed FreshBooks refused the invoice: client deleted $100.00 none"
    )
    assert rows[drafts["Umbrella"].pk] == "Umbrella Planned $100.00 not yet"
    by_id = {row["id"]: row for row in progress["drafts"]}
    assert by_id[drafts["Acme Corp"].pk] == {
        "id": drafts["Acme Corp"].pk,
        "state": "done",
        "state_label": "Done",
        "tone": "ok",
        "total": "$100.00",
        "freshbooks_total": "",
        "freshbooks_url": f"https://fb.example/{business.account_id}/41",
        "freshbooks_label": "0000041",
        "error": "",
    }
    assert f'href="https://fb.example/{business.account_id}/41"' in page
    assert (by_id[drafts["Umbrella"].pk]["state_label"], progress["finished"]) == ("Planned", False)
    for draft_id, row in by_id.items():  # every JSON row matches the page's row
        assert row["state_label"] in rows[draft_id] and row["freshbooks_label"] in rows[draft_id]


def test_a_finished_run_says_what_to_do_next_and_stops_polling(owner, business, run):
    for number, draft in enumerate(run.drafts.all(), start=1):
        created_in_freshbooks(draft, 40 + number)
    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.COMPLETED)

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    progress = owner.get(url("run_progress", business, run_pk=run.pk)).json()

    assert progress["finished"] is True
    assert progress["status_label"] == "Completed"
    assert progress["next_step"].startswith("Done: every draft is in FreshBooks.")
    assert progress["next_step"] in page
    assert "Preview another period" in page
    assert "run_progress.js" not in page and 'http-equiv="refresh"' not in page


def test_the_bar_is_full_only_once_the_run_says_it_is_finished(owner, business, run):
    for number, draft in enumerate(run.drafts.all(), start=1):
        created_in_freshbooks(draft, 40 + number)

    settling = owner.get(url("run_progress", business, run_pk=run.pk)).json()
    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.COMPLETED)
    finished = owner.get(url("run_progress", business, run_pk=run.pk)).json()

    assert (settling["summary"], settling["percent"], settling["finished"]) == (
        "4 of 4 drafts done.",
        99,
        False,
    )
    assert (finished["percent"], finished["finished"]) == (100, True)


def test_a_run_that_finished_with_failures_points_at_them(owner, business, run):
    drafts = list(run.drafts.all())
    created_in_freshbooks(drafts[0], 41)
    DraftInvoice.objects.filter(pk__in=[d.pk for d in drafts[1:]]).update(
        state=DraftInvoice.State.NEEDS_ATTENTION
    )
    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.COMPLETED_WITH_ERRORS)

    progress = owner.get(url("run_progress", business, run_pk=run.pk)).json()

    assert progress["status_tone"] == "error"
    assert progress["next_step"] == (
        "3 drafts need you: open them below to retry, or void them to release the time. "
        "The others are in FreshBooks."
    )
    assert {row["freshbooks_label"] for row in progress["drafts"]} == {"0000041", "none"}


def test_a_total_freshbooks_reports_differently_is_shown_next_to_the_planned_one(
    owner, business, run
):
    draft = drafts_by_client(run)["Acme Corp"]
    created_in_freshbooks(draft, 41)
    DraftInvoice.objects.filter(pk=draft.pk).update(freshbooks_total=Decimal("100.01"))

    progress = owner.get(url("run_progress", business, run_pk=run.pk)).json()

    [row] = [row for row in progress["drafts"] if row["id"] == draft.pk]
    assert (row["total"], row["freshbooks_total"]) == ("$100.00", "$100.01")


def test_without_javascript_a_running_run_refreshes_itself(owner, business, run):
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()

    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "run_progress.js" in page
    assert "data-run-progress" in page and "data-active" in page


def test_another_users_run_progress_is_not_found(client, business, run):
    stranger = ConnectedBusinessFactory()
    client.force_login(stranger.connection.user)

    assert client.get(url("run_progress", business, run_pk=run.pk)).status_code == 404
    assert client.get(url("run_progress", stranger, run_pk=run.pk)).status_code == 404


def test_the_progress_json_is_never_cached_and_reads_nothing_it_does_not_need(
    owner, business, run, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = owner.get(url("run_progress", business, run_pk=run.pk))

    assert "no-store" in response["Cache-Control"]
    assert len(response.json()["drafts"]) == 4
