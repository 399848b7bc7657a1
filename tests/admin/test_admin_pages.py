"""Every admin list and change page renders for staff; nobody else gets in; secrets never show."""

import pytest
from django.contrib import admin
from django.urls import reverse

from connections.models import FreshBooksIdentity
from invoicing.admin import policies as policy_admin
from invoicing.admin import runs as invoice_admin
from invoicing.models import (
    BillingPolicy,
    DraftEntry,
    DraftInvoice,
    InvoiceRun,
    InvoiceSchedule,
    RateRule,
)
from tests.admin.populated import populate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
OURS = {"accounts", "connections", "invoicing"}


def admin_url(app_label: str, model_name: str, view: str, *args) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def test_the_app_models_are_all_in_the_admin():
    registered = {f"{app}.{model}" for app, model in REGISTERED}

    for expected in (
        "accounts.user",
        "connections.freshbooksidentity",
        "connections.connection",
        "connections.connectedbusiness",
        "connections.webhooksubscription",
        "connections.webhookdelivery",
        "invoicing.syncrun",
        "invoicing.timeentry",
        "invoicing.client",
        "invoicing.project",
        "invoicing.invoicerun",
        "invoicing.draftinvoice",
        "invoicing.raterule",
        "invoicing.billingpolicy",
    ):
        assert expected in registered


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_each_list_and_change_page_renders_for_staff(admin_client, app_label, model_name):
    populate()
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)

    listing = admin_client.get(admin_url(app_label, model_name, "changelist"))

    assert listing.status_code == 200
    row = model._default_manager.first()
    if row is not None:
        change = admin_client.get(admin_url(app_label, model_name, "change", row.pk))
        assert change.status_code == 200


@pytest.mark.parametrize(
    ("app_label", "model_name"), [pair for pair in REGISTERED if pair[0] in OURS]
)
def test_a_signed_in_user_who_is_not_staff_is_refused(client, app_label, model_name):
    client.force_login(UserFactory())

    response = client.get(admin_url(app_label, model_name, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_user_without_permissions_cannot_open_the_businesses(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(admin_url("connections", "connectedbusiness", "changelist"))

    assert response.status_code == 403


def test_identity_pages_never_show_token_values(admin_client):
    business = populate()
    identity = business.connection.identity
    FreshBooksIdentity.objects.filter(pk=identity.pk).update(state="reauth_required")

    pages = [
        admin_client.get(admin_url("connections", "freshbooksidentity", "changelist")),
        admin_client.get(admin_url("connections", "freshbooksidentity", "change", identity.pk)),
        admin_client.get(admin_url("connections", "connection", "change", business.connection_id)),
        admin_client.get(admin_url("connections", "connectedbusiness", "change", business.pk)),
    ]

    for page in pages:
        html = page.content.decode()
        assert identity.access_token not in html
        assert identity.refresh_token not in html
        assert business.webhook_token not in html
    assert "Reconnect needed" in pages[0].content.decode()
    assert "access token expires" in pages[0].content.decode().lower()
    assert "in 11\xa0hours" in pages[0].content.decode()  # the factory token lasts 12 h


def test_the_business_list_shows_sync_state_webhooks_and_counts(admin_client):
    business = populate()

    html = admin_client.get(admin_url("connections", "connectedbusiness", "changelist")).content
    html = html.decode()

    assert "Healthy (OK)" in html
    assert "1 of 1 verified" in html
    assert business.connection.user.email in html
    assert '<td class="field-time_entry_total">1</td>' in html


def test_admin_lists_runs_and_drafts_for_staff(rf):
    populate()
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
