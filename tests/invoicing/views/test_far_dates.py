"""Dates at the ends of the calendar give a clear answer on every page, never a 500."""

import pytest
from django.urls import reverse

from invoicing.models import InvoiceRun
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

FAR = {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"}


@pytest.fixture
def business(client):
    business = ConnectedBusinessFactory(timezone="Pacific/Kiritimati")
    client.force_login(business.connection.user)
    return business


def test_the_business_page_filters_by_far_dates_without_failing(client, business):
    response = client.get(reverse("invoicing:business", args=[business.pk]), FAR)

    assert response.status_code == 200


def test_a_new_run_over_far_dates_is_refused_with_the_reason_and_nothing_saved(client, business):
    response = client.post(
        reverse("invoices:new", kwargs={"business_pk": business.pk}),
        {
            **FAR,
            "grouping": "service",
            "rounding_increment": 0,
            "rounding_direction": "up",
            "rounding_level": "entry",
        },
    )

    assert response.status_code == 400
    assert "2000 or later" in response.content.decode()
    assert not InvoiceRun.objects.filter(business=business).exists()
