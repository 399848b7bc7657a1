"""The dashboard and the business page cost the same number of queries for 10 rows or 1,000."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from connections.models import ConnectedBusiness, WebhookDelivery
from invoicing.models import SyncRun
from tests.dashboard.rows import add_clients, add_entries, add_projects
from tests.factories import ConnectionFactory, UserFactory

pytestmark = pytest.mark.django_db

# 4, + 2 for the issues feed (the businesses' state, their last scheduled runs) + 1 for unbilled
# time summed per business + 8 to price it (one query per rate source, for every business at once)
# + 1 for the disconnected businesses kept for their history.
DASHBOARD_MAX_QUERIES = 16
# 21 + 1 for the previews waiting for "Create drafts", listed apart from the runs, + 2 for the
# issues feed, + 1 for the tax defaults the unbilled estimate is planned with.
BUSINESS_PAGE_MAX_QUERIES = 25


def connected_businesses(user, count: int) -> list[ConnectedBusiness]:
    connections = [ConnectionFactory(user=user) for _ in range(3)]
    businesses = ConnectedBusiness.objects.bulk_create(
        ConnectedBusiness(
            connection=connections[index % 3],
            business_id=700_000 + index,
            account_id=f"ACC{index}",
            name=f"Business {index:04d}",
            role="owner",
            sync_state=ConnectedBusiness.SyncState.OK,
            last_synced_at=datetime(2026, 11, 1, tzinfo=UTC),
            webhook_token=f"token-{user.pk}-{index}",
        )
        for index in range(count)
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            business=business,
            name="time_entry.update",
            received_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=index),
        )
        for index, business in enumerate(businesses)
    )
    return businesses


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_dashboard_query_count_does_not_grow_with_businesses(
    client, django_assert_max_num_queries, rows
):
    user = UserFactory()
    connected_businesses(user, rows)
    client.force_login(user)

    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.content.decode().count("data-business=") == rows


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_business_page_query_count_does_not_grow_with_clients_and_entries(
    client, django_assert_max_num_queries, rows
):
    user = UserFactory()
    [business] = connected_businesses(user, 1)
    clients = add_clients(business, rows)
    add_projects(business, clients)
    add_entries(business, rows, clients=clients)
    add_entries(business, rows, clients=clients, first_id=500_000, billed=True)
    SyncRun.objects.bulk_create(
        SyncRun(business=business, kind=SyncRun.Kind.INCREMENTAL) for _ in range(min(rows, 50))
    )
    client.force_login(user)

    with django_assert_max_num_queries(BUSINESS_PAGE_MAX_QUERIES):
        response = client.get(
            reverse("invoicing:business", args=[business.pk]), {"status": "unbilled"}
        )

    assert response.status_code == 200
    assert len(response.context["unbilled"]) == rows
    assert response.context["entries_page"].paginator.count == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_dashboard_prices_every_businesss_unbilled_time_in_the_same_number_of_queries(
    client, django_assert_max_num_queries, rows
):
    user = UserFactory()
    businesses = connected_businesses(user, rows)
    for business in businesses:
        clients = add_clients(business, 2)
        add_projects(business, clients)
        add_entries(business, 4, clients=clients)  # 4 hours at 100.00
    client.force_login(user)

    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = client.get(reverse("dashboard"))

    html = response.content.decode()
    assert html.count("data-unbilled=") == rows
    assert html.count('<td data-label="Amount (estimate)" class="number">$400.00</td>') == rows
