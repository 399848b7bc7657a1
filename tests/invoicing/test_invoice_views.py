"""The invoice pages: tenancy, the preview and its reasons, bad input, create, void, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.drafts import invoice_run_preview
from invoicing.models import (
    BillingPolicy,
    Client,
    DraftInvoice,
    InvoiceRun,
    InvoiceSchedule,
    Project,
    TimeEntry,
)
from tests.factories import ConnectedBusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31"}


@pytest.fixture
def business():
    business = ConnectedBusinessFactory(currency_code="USD", timezone="America/New_York")
    Client.objects.create(business=business, freshbooks_id=10, display_name="Acme Corp")
    Client.objects.create(business=business, freshbooks_id=11, display_name="Globex")
    Project.objects.create(
        business=business,
        freshbooks_id=70,
        title="Website",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("120.00"),
    )
    Project.objects.create(
        business=business,
        freshbooks_id=71,
        title="Retainer",
        client_freshbooks_id=11,
        project_type="fixed_price",
        fixed_price=Decimal("5000.00"),
    )
    for number, (client_id, project_id, seconds, logged) in enumerate(
        [(10, 70, 5400, True), (10, 70, 1800, True), (11, 71, 3600, True), (10, 70, 0, False)]
    ):
        TimeEntry.objects.create(
            business=business,
            freshbooks_id=500 + number,
            client_freshbooks_id=client_id,
            project_freshbooks_id=project_id,
            started_at=STARTED + timedelta(days=number),
            duration_seconds=seconds,
            billable=True,
            is_logged=logged,
        )
    return business


@pytest.fixture
def owner_client(client, business):
    client.force_login(business.connection.user)
    return client


def url(name, business, **kwargs):
    return reverse(f"invoices:{name}", kwargs={"business_pk": business.pk, **kwargs})


def test_another_users_business_is_not_found(client, business):
    client.force_login(UserFactory())

    for name in ("runs", "new", "schedule", "policy"):
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
        "in_freshbooks": "In FreshBooks: 0.00 USD of 240.00 USD.",
        "next_step": "",
        "drafts": [
            {
                "id": draft.pk,
                "state": "planned",
                "state_label": "Planned",
                "tone": "warn",
                "total": "240.00 USD",
                "freshbooks_total": "",
                "freshbooks_url": "",
                "freshbooks_label": "not yet",
                "error": "",
            }
        ],
    }


def test_voiding_without_a_reason_is_refused(owner_client, business):
    run = invoice_run_preview(business=business, raw_options=MAY)
    from invoicing.drafts import invoice_run_create

    draft = invoice_run_create(run_id=run.pk).drafts.get()

    response = owner_client.post(url("draft_void", business, draft_pk=draft.pk), {"reason": ""})

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.PLANNED


def test_a_planned_draft_can_be_voided_and_its_time_is_billable_again(owner_client, business):
    from invoicing.drafts import invoice_run_create

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


def test_the_schedule_form_saves_and_refuses_a_day_past_28(owner_client, business):
    bad = owner_client.post(
        url("schedule", business),
        {
            "frequency": "monthly",
            "weekday": "0",
            "day_of_month": "31",
            "period": "last_month",
            "grouping": "service",
            "rounding_increment": "15",
            "rounding_direction": "up",
            "rounding_level": "entry",
            "action": "preview",
        },
    )
    good = owner_client.post(
        url("schedule", business),
        {
            "frequency": "monthly",
            "weekday": "0",
            "day_of_month": "1",
            "period": "last_month",
            "grouping": "service",
            "rounding_increment": "15",
            "rounding_direction": "up",
            "rounding_level": "entry",
            "action": "create",
        },
    )

    assert bad.status_code == 400
    assert "1 to 28" in " ".join(bad.context["form"].errors["day_of_month"])
    assert good.status_code == 302
    schedule = InvoiceSchedule.objects.get(business=business)
    assert (schedule.frequency, schedule.action, schedule.rounding_increment) == (
        "monthly",
        "create",
        15,
    )


def test_billing_defaults_fill_the_preview_form(owner_client, business):
    owner_client.post(
        url("policy", business),
        {
            "grouping": "project",
            "rounding_increment": "6",
            "rounding_direction": "nearest",
            "rounding_level": "line",
            "standard_rate": "80.00",
        },
    )

    form = owner_client.get(url("new", business)).context["form"]

    policy = BillingPolicy.objects.get(business=business)
    assert policy.standard_rate == Decimal("80.00")
    assert form.initial["grouping"] == "project"
    assert form.initial["rounding_increment"] == 6


def test_the_runs_page_lists_runs_and_a_draft_links_to_its_freshbooks_invoice(
    owner_client, business, settings
):
    from invoicing.drafts import invoice_run_create

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

    assert f"#{run.pk}" in runs_page and "2024-05-01 to 2024-05-31" in runs_page
    link = f'href="https://fb.example/{business.account_id}/4321"'
    assert link in run_page and link in draft_page
    assert ">0042<" in run_page
    assert "Void and re-bill" in draft_page


def test_the_rebill_form_refuses_bad_options_before_voiding_anything(owner_client, business):
    from invoicing.drafts import invoice_run_create

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


def test_rebilling_a_planned_draft_voids_it_and_previews_the_client_again(owner_client, business):
    from invoicing.drafts import invoice_run_create

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


def test_admin_lists_runs_and_drafts_for_staff(rf, business):
    from django.contrib import admin

    from invoicing.admin import policies as policy_admin
    from invoicing.admin import runs as invoice_admin
    from invoicing.drafts import invoice_run_create
    from invoicing.models import BillingPolicy, DraftEntry, RateRule

    invoice_run_create(run_id=invoice_run_preview(business=business, raw_options=MAY).pk)
    staff = UserFactory(is_staff=True, is_superuser=True)
    pages = {
        invoice_admin.InvoiceRunAdmin: InvoiceRun,
        invoice_admin.DraftInvoiceAdmin: DraftInvoice,
        invoice_admin.DraftEntryAdmin: DraftEntry,
        policy_admin.BillingPolicyAdmin: BillingPolicy,
        policy_admin.RateRuleAdmin: RateRule,
        policy_admin.InvoiceScheduleAdmin: InvoiceSchedule,
    }

    for admin_class, model in pages.items():
        request = rf.get("/admin/")
        request.user = staff
        response = admin_class(model, admin.site).changelist_view(request)
        response.render()
        assert response.status_code == 200, model
        assert "lease_token" not in response.content.decode()
