"""Builders of mirrored rows in bulk, for page and query-count tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connections.models import ConnectedBusiness
from invoicing.models import Client, Project, TimeEntry

START = datetime(2026, 10, 1, 15, tzinfo=UTC)


def add_clients(business: ConnectedBusiness, count: int, *, first_id: int = 1) -> list[Client]:
    return Client.objects.bulk_create(
        Client(
            business=business,
            freshbooks_id=first_id + index,
            display_name=f"Client {first_id + index:04d}",
            currency_code="USD",
        )
        for index in range(count)
    )


def add_projects(
    business: ConnectedBusiness, clients: list[Client], *, rate: Decimal = Decimal("100.00")
) -> list[Project]:
    return Project.objects.bulk_create(
        Project(
            business=business,
            freshbooks_id=5000 + client.freshbooks_id,
            title=f"Project for {client.display_name}",
            client_freshbooks_id=client.freshbooks_id,
            billing_method="project_rate",
            project_type="hourly_rate",
            rate=rate,
        )
        for client in clients
    )


def add_entries(
    business: ConnectedBusiness,
    count: int,
    *,
    clients: list[Client],
    first_id: int = 100_000,
    seconds: int = 3600,
    billed: bool = False,
    start: datetime = START,
) -> list[TimeEntry]:
    """`count` billable entries spread over the clients (and their projects), one per hour."""
    return TimeEntry.objects.bulk_create(
        (
            TimeEntry(
                business=business,
                freshbooks_id=first_id + index,
                client_freshbooks_id=clients[index % len(clients)].freshbooks_id,
                project_freshbooks_id=5000 + clients[index % len(clients)].freshbooks_id,
                started_at=start + timedelta(hours=index),
                duration_seconds=seconds,
                billable=True,
                billed=billed,
                note=f"Work item {index}",
            )
            for index in range(count)
        ),
        batch_size=5000,
    )
