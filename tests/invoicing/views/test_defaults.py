"""The billing defaults and schedule pages (invoicing/views/defaults.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.models import BillingPolicy, InvoiceSchedule
from tests.factories import UserFactory
from tests.invoicing.views.helpers import url

pytestmark = pytest.mark.django_db


def test_another_users_business_is_not_found(client, business):
    client.force_login(UserFactory())

    for name in ("schedule", "policy"):
        assert client.get(url(name, business)).status_code == 404


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


def test_copying_outside_hours_to_freshbooks_is_off_until_ticked(owner_client, business):
    values = {
        "grouping": "service",
        "rounding_increment": "0",
        "rounding_direction": "up",
        "rounding_level": "entry",
        "unpriced": "hold",
    }
    page = owner_client.get(url("policy", business)).content.decode()
    assert "Copy outside hours to FreshBooks" in page

    owner_client.post(url("policy", business), values)
    assert BillingPolicy.objects.get(business=business).write_back_outside_hours is False

    owner_client.post(url("policy", business), {**values, "write_back_outside_hours": "on"})
    assert BillingPolicy.objects.get(business=business).write_back_outside_hours is True
