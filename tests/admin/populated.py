"""One row of every model the admin shows, linked the way the app links them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from connections.models import ConnectedBusiness, WebhookDelivery, WebhookSubscription
from invoicing.models import (
    BillingPolicy,
    Client,
    DraftEntry,
    DraftInvoice,
    DraftLine,
    InvoiceRun,
    InvoiceSchedule,
    Project,
    RateRule,
    Service,
    SyncRun,
    TeamMember,
    TimeEntry,
)
from tests.factories import ConnectedBusinessFactory

AT = datetime(2026, 11, 2, 15, tzinfo=UTC)


def populate() -> ConnectedBusiness:
    business = ConnectedBusinessFactory(sync_state=ConnectedBusiness.SyncState.OK)
    SyncRun.objects.create(business=business, kind=SyncRun.Kind.FULL, status="failed", error="x")
    Client.objects.create(business=business, freshbooks_id=1, display_name="Acme")
    Project.objects.create(business=business, freshbooks_id=2, title="Site", rate=Decimal(90))
    Service.objects.create(business=business, freshbooks_id=3, name="Design")
    TeamMember.objects.create(business=business, identity_id=4, name="Fran")
    entry = TimeEntry.objects.create(
        business=business,
        freshbooks_id=5,
        client_freshbooks_id=1,
        started_at=AT,
        duration_seconds=3600,
        billable=True,
    )
    subscription = WebhookSubscription.objects.create(
        business=business, event="time_entry", uri="https://example.com/hook/", verified=True
    )
    WebhookDelivery.objects.create(
        business=business, subscription=subscription, name="time_entry.create", object_id=5
    )
    BillingPolicy.objects.create(business=business)
    RateRule.objects.create(business=business, client_freshbooks_id=1, rate=Decimal(100))
    InvoiceSchedule.objects.create(business=business)
    run = InvoiceRun.objects.create(
        business=business, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30)
    )
    draft = DraftInvoice.objects.create(
        run=run,
        business=business,
        client_freshbooks_id=1,
        client_name="Acme",
        currency_code="USD",
        unique_key="k" * 64,
        total=Decimal(100),
    )
    line = DraftLine.objects.create(
        draft=draft,
        position=1,
        name="Design",
        quantity=Decimal(1),
        unit_cost=Decimal(100),
        amount=Decimal(100),
        raw_seconds=3600,
        billed_seconds=3600,
    )
    DraftEntry.objects.create(
        draft=draft,
        line=line,
        time_entry=entry,
        business_freshbooks_id=business.business_id,
        time_entry_freshbooks_id=5,
        raw_seconds=3600,
        billed_seconds=3600,
    )
    return business
