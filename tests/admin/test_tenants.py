"""Operators' console across many tenants: whose each row is, a business filter, a void that asks
first and records who and why, rate rule pickers limited to the rule's business, and nobody but
staff anywhere."""

import pytest
from django.contrib import admin
from django.urls import reverse

from invoicing.admin import runs as run_admin
from invoicing.models import DraftInvoice, RateRule
from tests.factories import (
    ClientFactory,
    ConnectedBusinessFactory,
    DraftInvoiceFactory,
    InvoiceRunFactory,
    RateRuleFactory,
    SyncRunFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.factories.webhooks import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db

PER_BUSINESS = [
    ("invoicing", "timeentry"),
    ("invoicing", "draftinvoice"),
    ("invoicing", "invoicerun"),
    ("invoicing", "syncrun"),
    ("connections", "webhookdelivery"),
]
DRAFTS = reverse("admin:invoicing_draftinvoice_changelist")


@pytest.fixture
def two_northwinds():
    """Two tenants, each with a business called "Northwind Design Co." and a row of each kind."""
    businesses = [
        ConnectedBusinessFactory(
            name="Northwind Design Co.", connection__user__email=f"{who}@example.com"
        )
        for who in ("ann", "ben")
    ]
    for business in businesses:
        TimeEntryFactory(business=business)
        DraftInvoiceFactory(run=InvoiceRunFactory(business=business))
        SyncRunFactory(business=business)
        WebhookDeliveryFactory(business=business)
    return businesses


def changelist(app_label: str, model_name: str) -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist")


@pytest.mark.parametrize(("app_label", "model_name"), PER_BUSINESS)
def test_each_list_names_the_owner_and_filters_by_business(
    admin_client, two_northwinds, app_label, model_name
):
    ann, ben = two_northwinds

    everything = admin_client.get(changelist(app_label, model_name)).content.decode()
    only_ann = admin_client.get(changelist(app_label, model_name), {"business": ann.pk})

    assert "ann@example.com" in everything and "ben@example.com" in everything
    # The filter's choices tell the two Northwinds apart by owner.
    assert "Northwind Design Co. · ann@example.com" in everything
    assert "Northwind Design Co. · ben@example.com" in everything
    rows = only_ann.context["cl"].result_list
    assert rows and {row.business_id for row in rows} == {ann.pk}


@pytest.mark.parametrize(("app_label", "model_name"), PER_BUSINESS)
def test_a_tampered_business_filter_shows_nothing(
    admin_client, two_northwinds, app_label, model_name
):
    response = admin_client.get(changelist(app_label, model_name), {"business": "1 OR 1=1"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_business_reads_with_its_owner(two_northwinds):
    ann, ben = two_northwinds

    assert str(ann) != str(ben)
    assert "ann@example.com" in str(ann)


def test_void_first_shows_a_confirmation_page_and_changes_nothing(admin_client, monkeypatch):
    draft = DraftInvoiceFactory(state=DraftInvoice.State.DONE)
    voided = []
    monkeypatch.setattr(run_admin, "draft_void", lambda **kwargs: voided.append(kwargs))

    response = admin_client.post(
        DRAFTS, {"action": "void_drafts", admin.helpers.ACTION_CHECKBOX_NAME: [draft.pk]}
    )

    assert response.status_code == 200
    assert "Void drafts: are you sure?" in response.content.decode()
    assert voided == []
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.DONE


def test_void_without_the_confirmation_tick_or_a_reason_does_nothing(admin_client, monkeypatch):
    draft = DraftInvoiceFactory(state=DraftInvoice.State.DONE)
    voided = []
    monkeypatch.setattr(run_admin, "draft_void", lambda **kwargs: voided.append(kwargs))
    selected = {"action": "void_drafts", admin.helpers.ACTION_CHECKBOX_NAME: [draft.pk]}

    no_tick = admin_client.post(DRAFTS, selected | {"confirm_void": "1", "reason": "Wrong client"})
    no_reason = admin_client.post(DRAFTS, selected | {"confirm_void": "1", "confirm": "on"})

    assert "This field is required" in no_tick.content.decode()
    assert "This field is required" in no_reason.content.decode()
    assert voided == []


def test_a_confirmed_void_records_who_and_why(admin_client, admin_user, monkeypatch):
    draft = DraftInvoiceFactory(state=DraftInvoice.State.DONE)
    voided = []
    monkeypatch.setattr(run_admin, "draft_void", lambda **kwargs: voided.append(kwargs))

    response = admin_client.post(
        DRAFTS,
        {
            "action": "void_drafts",
            admin.helpers.ACTION_CHECKBOX_NAME: [draft.pk],
            "confirm_void": "1",
            "confirm": "on",
            "reason": "Billed to the wrong client",
        },
    )

    assert response.status_code == 302
    assert voided == [
        {"draft_id": draft.pk, "user": admin_user, "reason": "Billed to the wrong client"}
    ]


def test_rate_rule_pickers_offer_only_the_rules_own_business(admin_client):
    rule = RateRuleFactory()
    ClientFactory(
        business=rule.business, freshbooks_id=rule.client_freshbooks_id, display_name="Acme"
    )
    ClientFactory(display_name="Someone Elses Client")  # another business
    url = reverse("admin:invoicing_raterule_change", args=[rule.pk])

    html = admin_client.get(url).content.decode()

    assert "Acme" in html and "data-searchable" in html
    assert "Someone Elses Client" not in html


def test_a_rate_rule_cannot_take_another_business_client(admin_client):
    rule = RateRuleFactory()
    ClientFactory(business=rule.business, freshbooks_id=rule.client_freshbooks_id)
    stranger = ClientFactory()
    url = reverse("admin:invoicing_raterule_change", args=[rule.pk])

    response = admin_client.post(
        url,
        {
            "business": rule.business_id,
            "client_freshbooks_id": stranger.freshbooks_id,
            "rate": "10",
            "note": "",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "Choose one of this business" in response.content.decode()
    rule.refresh_from_db()
    assert rule.client_freshbooks_id != stranger.freshbooks_id
    assert RateRule.objects.count() == 1


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize(("app_label", "model_name"), PER_BUSINESS)
def test_non_staff_are_refused_every_page_of_a_row(
    client, two_northwinds, view, app_label, model_name
):
    client.force_login(UserFactory())
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    row = model._default_manager.first()

    response = client.get(reverse(f"admin:{app_label}_{model_name}_{view}", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_non_staff_cannot_void_even_with_a_confirmed_post(client, monkeypatch):
    client.force_login(UserFactory())
    draft = DraftInvoiceFactory(state=DraftInvoice.State.DONE)
    voided = []
    monkeypatch.setattr(run_admin, "draft_void", lambda **kwargs: voided.append(kwargs))

    response = client.post(
        DRAFTS,
        {
            "action": "void_drafts",
            admin.helpers.ACTION_CHECKBOX_NAME: [draft.pk],
            "confirm_void": "1",
            "confirm": "on",
            "reason": "x",
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert voided == []
