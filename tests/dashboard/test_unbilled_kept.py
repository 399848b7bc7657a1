"""The dashboard's unbilled hours and amounts are kept between views until anything they are
computed from changes (an entry, a rate, a rate rule), and then show the change at once."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing.models import Project, RateRule, TimeEntry
from tests.dashboard.rows import add_clients, add_entries, add_projects
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    """Two clients, each with a project at 100.00/h; 4 unbilled hours."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    clients = add_clients(business, 2)
    add_projects(business, clients)
    add_entries(business, 4, clients=clients)
    return business


@pytest.fixture
def owner(client, business):
    client.force_login(business.connection.user)
    return client


def unbilled_row(owner, business) -> tuple[str, str]:
    html = owner.get(reverse("dashboard")).content.decode()
    match = re.search(rf'<tr data-unbilled="{business.pk}">(.*?)</tr>', html, re.S)
    assert match, "no unbilled row"
    hours = re.search(r'data-label="Hours" class="number">([^<]*)<', match.group(1))
    amount = re.search(r'data-label="Amount \(estimate\)" class="number">([^<]*)<', match.group(1))
    assert hours and amount
    return hours.group(1), amount.group(1)


def test_the_dashboard_figures_follow_every_change_they_are_computed_from(owner, business):
    assert unbilled_row(owner, business) == ("4.00", "$400.00")

    Project.objects.filter(business=business, freshbooks_id=5001).update(rate=Decimal("50.00"))
    assert unbilled_row(owner, business) == ("4.00", "$300.00")

    RateRule.objects.create(business=business, client_freshbooks_id=2, rate=Decimal("80.00"))
    assert unbilled_row(owner, business) == ("4.00", "$260.00")

    TimeEntry.objects.filter(business=business, freshbooks_id=100_000).update(billed=True)
    assert unbilled_row(owner, business) == ("3.00", "$210.00")

    TimeEntry.objects.filter(business=business, freshbooks_id=100_001).update(duration_seconds=7200)
    assert unbilled_row(owner, business) == ("4.00", "$290.00")


def test_an_unchanged_mirror_is_not_summed_again(owner, business):
    unbilled_row(owner, business)

    with CaptureQueriesContext(connection) as queries:
        assert unbilled_row(owner, business) == ("4.00", "$400.00")

    assert not [query for query in queries if "invoicing_timeentry" in query["sql"]]


def test_without_the_cache_the_figures_are_summed_on_every_view(owner, business, settings):
    """Redis unreachable (nothing listens on port 1): the dashboard still answers, exactly."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    assert unbilled_row(owner, business) == ("4.00", "$400.00")

    RateRule.objects.create(business=business, client_freshbooks_id=2, rate=Decimal("80.00"))

    assert unbilled_row(owner, business) == ("4.00", "$360.00")
