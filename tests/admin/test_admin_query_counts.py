"""Admin lists cost the same number of queries for 10 rows or 1,000."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import User
from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from invoicing.models import SyncRun
from tests.dashboard.rows import add_clients, add_entries
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8  # incl. the business filter's choices (one query, however many businesses)


def many_businesses(count: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"owner{index}@example.com") for index in range(count)
    )
    identities = FreshBooksIdentity.objects.bulk_create(
        FreshBooksIdentity(identity_id=800_000 + index, email=f"fb{index}@example.com")
        for index in range(count)
    )
    connections = Connection.objects.bulk_create(
        Connection(user=user, identity=identity)
        for user, identity in zip(users, identities, strict=True)
    )
    businesses = ConnectedBusiness.objects.bulk_create(
        ConnectedBusiness(
            connection=connection,
            business_id=900_000 + index,
            account_id=f"A{index}",
            name=f"Business {index}",
            role="owner",
            webhook_token=f"admin-token-{index}",
        )
        for index, connection in enumerate(connections)
    )
    SyncRun.objects.bulk_create(
        SyncRun(
            business=business, kind=SyncRun.Kind.FULL, created_at=datetime(2026, 11, 1, tzinfo=UTC)
        )
        for business in businesses
    )


@pytest.mark.parametrize("rows", [10, 1000])
@pytest.mark.parametrize(
    "changelist",
    [
        "accounts_user",
        "connections_freshbooksidentity",
        "connections_connection",
        "connections_connectedbusiness",
        "invoicing_syncrun",
    ],
)
def test_business_side_lists_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, rows, changelist
):
    many_businesses(rows)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = admin_client.get(reverse(f"admin:{changelist}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
@pytest.mark.parametrize("changelist", ["invoicing_timeentry", "invoicing_client"])
def test_mirror_lists_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, rows, changelist
):
    business = ConnectedBusinessFactory()
    clients = add_clients(business, rows)
    add_entries(business, rows, clients=clients)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = admin_client.get(
            reverse(f"admin:{changelist}_changelist"), {"active__exact": "1"}
        )

    assert response.status_code == 200
