"""Fixtures shared by the invoicing tests: a mirrored one-entry business and its planned draft."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview
from tests.factories import (
    ClientFactory,
    ConnectedBusinessFactory,
    ProjectFactory,
    TimeEntryFactory,
)

APRIL_2024 = {"period": "custom", "start": "2024-04-01", "end": "2024-04-30"}


@pytest.fixture
def one_entry_business():
    """A mirrored business with one client, one 100.00/h project and one hour on 10 April 2024."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    ClientFactory(business=business, freshbooks_id=10, display_name="Acme Corp")
    ProjectFactory(
        business=business,
        freshbooks_id=70,
        title="Website",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("100.00"),
    )
    TimeEntryFactory(
        business=business,
        freshbooks_id=500,
        client_freshbooks_id=10,
        project_freshbooks_id=70,
        started_at=datetime(2024, 4, 10, 9, 0, tzinfo=UTC),
        duration_seconds=3600,
        billable=True,
    )
    return business


@pytest.fixture
def draft(one_entry_business):
    """The planned draft of that hour (nothing sent to FreshBooks yet)."""
    run = invoice_run_preview(business=one_entry_business, raw_options=APRIL_2024)
    return invoice_run_create(run_id=run.pk).drafts.get()
