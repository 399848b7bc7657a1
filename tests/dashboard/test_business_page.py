"""The business page: unbilled hours and amounts per client (chart and table), time entries with
filters, invoice runs, and links to the invoice pages once they are mounted."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from connections.models import ConnectedBusiness
from invoicing.models import InvoiceRun, TimeEntry
from tests.dashboard.rows import add_clients, add_entries, add_projects
from tests.factories import ConnectedBusinessFactory, InvoiceRunFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def business(client):
    business = ConnectedBusinessFactory(
        name="Northwind",
        timezone="UTC",
        currency_code="USD",
        sync_state=ConnectedBusiness.SyncState.OK,
        last_synced_at=datetime(2026, 11, 20, 11, tzinfo=UTC),
    )
    client.force_login(business.connection.user)
    return business


@pytest.fixture
def two_clients(business):
    acme, globex = add_clients(business, 2)
    add_projects(business, [acme], rate=Decimal("120.00"))
    add_projects(business, [globex], rate=Decimal("80.00"))
    # Acme: 3 h in October and 1 h in November; Globex: 2 h, one of them already billed.
    add_entries(business, 3, clients=[acme], first_id=1, start=datetime(2026, 10, 5, 9, tzinfo=UTC))
    add_entries(
        business, 1, clients=[acme], first_id=10, start=datetime(2026, 11, 3, 9, tzinfo=UTC)
    )
    add_entries(
        business, 1, clients=[globex], first_id=20, start=datetime(2026, 11, 4, 9, tzinfo=UTC)
    )
    add_entries(
        business,
        1,
        clients=[globex],
        first_id=30,
        billed=True,
        start=datetime(2026, 11, 5, 9, tzinfo=UTC),
    )
    return acme, globex


def page(browser, business, params=None):
    return browser.get(reverse("invoicing:business", args=[business.pk]), params or {})


def test_unbilled_hours_and_amounts_per_client_are_charted_and_tabled(
    client, business, two_clients
):
    response = page(client, business)

    assert response.status_code == 200
    rows = {row.client_name: (row.hours, row.amount) for row in response.context["unbilled"]}
    assert rows == {
        "Client 0001": (Decimal("4.00"), Decimal("480.00")),
        "Client 0002": (Decimal("1.00"), Decimal("80.00")),
    }
    assert response.context["unbilled_amounts"] == {"USD": Decimal("560.00")}
    html = response.content.decode()
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in chart
    assert "Client 0001: 4.00 h · $480.00." in chart
    assert "Client 0002: 1.00 h · $80.00." in chart
    widths = [int(width) for width in re.findall(r'<rect [^>]*width="(\d+)"', chart)]
    assert len(widths) == 2
    assert abs(widths[0] - 4 * widths[1]) <= 2  # bars in proportion to the hours
    assert "$480.00" in html and "$560.00" in html  # money in its currency's format
    assert "480.00 USD" not in html


def test_time_without_a_rate_is_counted_in_hours_but_shown_as_not_priced(client, business):
    [acme] = add_clients(business, 1)
    add_entries(business, 2, clients=[acme], start=datetime(2026, 11, 2, 9, tzinfo=UTC))

    response = page(client, business)

    [row] = response.context["unbilled"]
    assert row.hours == Decimal("2.00")
    assert row.unpriced_hours == Decimal("2.00")
    assert row.unpriced_reasons == ("no rate",)
    assert "no rate" in response.content.decode()


def test_more_than_eight_clients_fold_into_one_other_clients_bar(client, business):
    clients = add_clients(business, 11)
    add_projects(business, clients)
    add_entries(business, 11, clients=clients)

    chart = page(client, business).context["chart"]

    assert len(chart["bars"]) == 9
    assert chart["bars"][-1]["label"] == "3 other clients"
    assert chart["bars"][-1]["value"] == "3.00 h"


@pytest.mark.parametrize(
    ("params", "expected_ids"),
    [
        ({}, [30, 20, 10, 3, 2, 1]),
        ({"client": "2"}, [30, 20]),
        ({"project": "5001"}, [10, 3, 2, 1]),
        ({"status": "billed"}, [30]),
        ({"status": "unbilled", "client": "2"}, [20]),
        ({"status": "not_billable"}, []),
        ({"period": "last_month"}, [3, 2, 1]),
        ({"period": "custom", "start": "2026-11-04", "end": "2026-11-05"}, [30, 20]),
    ],
)
def test_time_entries_are_filtered_by_client_project_billed_and_period(
    client, business, two_clients, params, expected_ids
):
    response = page(client, business, params)

    assert response.status_code == 200
    shown = [entry.freshbooks_id for entry in response.context["entries_page"]]
    assert shown == expected_ids


def test_entries_are_paginated_and_the_filters_survive_paging(client, business):
    [acme] = add_clients(business, 1)
    add_entries(business, 120, clients=[acme])

    response = page(client, business, {"client": "1", "page": "2"})

    entries_page = response.context["entries_page"]
    assert entries_page.number == 2
    assert len(entries_page.object_list) == 50
    html = response.content.decode()
    assert "client=1&amp;page=3" in html and "client=1&amp;page=1" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client": "999999"}, "Select a valid choice"),
        ({"project": "not-a-number"}, "Select a valid choice"),
        ({"period": "custom", "start": "2026-11-10"}, "A custom period needs an end date."),
        ({"period": "custom", "start": "2026-11-10", "end": "2026-11-01"}, "before it starts"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_tampered_or_incomplete_filter_is_a_400_naming_the_problem(
    client, business, two_clients, params, message
):
    response = page(client, business, params)

    assert response.status_code == 400
    assert message in response.content.decode()
    # No list below the error: an unfiltered list would read as the filter's answer.
    assert len(response.context["entries_page"].object_list) == 0
    assert "Fix the filter above to see the time entries" in response.content.decode()


def test_an_empty_business_says_the_first_sync_is_on_its_way(client, business):
    ConnectedBusiness.objects.filter(pk=business.pk).update(
        sync_state=ConnectedBusiness.SyncState.NEVER, last_synced_at=None
    )

    html = page(client, business).content.decode()

    assert "the first sync is on its way" in html
    assert "data-auto-refresh" in html
    assert "js/auto_refresh.js" in html
    assert "<svg" not in html


def test_a_synced_business_without_unbilled_time_says_so(client, business):
    html = page(client, business).content.decode()

    assert "No unbilled, billable time." in html
    assert "data-auto-refresh" not in html


def test_invoice_runs_are_listed_with_their_status(client, business):
    InvoiceRunFactory(
        business=business,
        status=InvoiceRun.Status.COMPLETED_WITH_ERRORS,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        drafts_total=3,
        drafts_done=2,
        drafts_failed=1,
    )

    html = page(client, business).content.decode()

    assert 'data-run-status="completed_with_errors">Completed with errors</span>' in html
    assert "2026-10-01 to 2026-10-31" in re.sub(r"<[^>]+>", "", html)
    assert '<span class="nowrap">2026-10-01</span>' in html  # a date never breaks inside
    assert "2 of 3" in html


def test_the_page_links_to_the_invoice_pages(client, business):
    run = InvoiceRunFactory(
        business=business, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31)
    )

    html = page(client, business).content.decode()

    base = f"/businesses/{business.pk}/invoices/"
    for url in (
        base,
        f"{base}new/",
        f"{base}schedule/",
        f"{base}settings/",
        f"{base}runs/{run.pk}/",
    ):
        assert f'href="{url}"' in html
    assert "Create draft invoices" in html


def test_projects_of_another_business_are_not_offered_as_filters(client, business, two_clients):
    other = ConnectedBusinessFactory()
    ProjectFactory(business=other, freshbooks_id=777, title="Secret project")

    response = page(client, business, {"project": "777"})

    assert response.status_code == 400
    assert "Secret project" not in response.content.decode()
    assert TimeEntry.objects.filter(business=business).count() == 6
