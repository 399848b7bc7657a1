"""Manual entry of hours on the business page: pickers of the business's own objects, the
business's time zone, clear errors, and the hours beside FreshBooks' own, marked as manual."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from invoicing.models import TimeEntry
from tests.factories import ConnectedBusinessFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def new_url(business):
    return reverse("invoicing:hours_new", kwargs={"business_pk": business.pk})


def form(**overrides):
    return {
        "client": "10",
        "project": "70",
        "date": "2024-05-20",
        "start_time": "09:30",
        "duration": "1:30",
        "note": "Call with Acme",
        "billable": "on",
        **overrides,
    }


def test_the_form_offers_the_business_clients_projects_and_services(owner_client, business):
    ServiceFactory(business=business, freshbooks_id=5, name="Design")

    page = owner_client.get(new_url(business)).content.decode()

    for name in ("Acme Corp", "Globex", "Website", "Retainer", "Design"):
        assert name in page


def test_added_hours_are_stored_in_the_business_zone_and_listed_as_manual(owner_client, business):
    response = owner_client.post(new_url(business), form(), follow=True)

    entry = TimeEntry.objects.get(business=business, source="manual")
    assert entry.started_at == datetime(2024, 5, 20, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    assert (entry.duration_seconds, entry.client_freshbooks_id, entry.project_freshbooks_id) == (
        5400,
        10,
        70,
    )
    assert entry.created_by == business.connection.user
    page = response.content.decode()
    assert "Added 1.50 h for Acme Corp" in page
    assert 'data-source="manual">Manual entry</td>' in page


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"duration": "0"}, "more than zero"),
        ({"duration": "25:00"}, "at most 24 hours"),
        ({"duration": "soon"}, "is not a duration"),
        ({"date": "2999-01-01"}, "in the future"),
        ({"project": "71"}, "belongs to another client"),
        ({"client": "999"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_said_and_nothing_is_stored(owner_client, business, change, words):
    response = owner_client.post(new_url(business), form(**change))

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not TimeEntry.objects.filter(source="manual").exists()


def test_another_users_business_is_404(owner_client):
    other = ConnectedBusinessFactory()

    assert owner_client.get(new_url(other)).status_code == 404
    assert owner_client.post(new_url(other), form()).status_code == 404
