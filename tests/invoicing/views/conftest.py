"""The invoice pages' business (two clients, an hourly and a fixed-price project, time in May
2024) and its owner, signed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import (
    ClientFactory,
    ConnectedBusinessFactory,
    ProjectFactory,
    TimeEntryFactory,
)

STARTED = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)


@pytest.fixture
def business():
    business = ConnectedBusinessFactory(currency_code="USD", timezone="America/New_York")
    ClientFactory(business=business, freshbooks_id=10, display_name="Acme Corp")
    ClientFactory(business=business, freshbooks_id=11, display_name="Globex")
    ProjectFactory(
        business=business,
        freshbooks_id=70,
        title="Website",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("120.00"),
    )
    ProjectFactory(
        business=business,
        freshbooks_id=71,
        title="Retainer",
        client_freshbooks_id=11,
        project_type="fixed_price",
        fixed_price=Decimal("5000.00"),
    )
    for number, (client_id, project_id, seconds, logged) in enumerate(
        [(10, 70, 5400, True), (10, 70, 1800, True), (11, 71, 3600, True), (10, 70, 0, False)]
    ):
        TimeEntryFactory(
            business=business,
            freshbooks_id=500 + number,
            client_freshbooks_id=client_id,
            project_freshbooks_id=project_id,
            started_at=STARTED + timedelta(days=number),
            duration_seconds=seconds,
            billable=True,
            is_logged=logged,
        )
    return business


@pytest.fixture
def owner_client(client, business):
    client.force_login(business.connection.user)
    return client
