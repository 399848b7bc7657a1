"""One row of every model the admin shows, linked the way the app links them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from connections.models import ConnectedBusiness
from invoicing.models import SyncRun, TaxDefault
from tests.factories import (
    BillingPolicyFactory,
    ClientFactory,
    ConnectedBusinessFactory,
    DraftEntryFactory,
    DraftInvoiceFactory,
    DraftLineFactory,
    ExpenseFactory,
    InvoiceRunFactory,
    InvoiceScheduleFactory,
    ProjectFactory,
    RateRuleFactory,
    ServiceFactory,
    SyncRunFactory,
    TaxFactory,
    TeamMemberFactory,
    TimeEntryFactory,
    WebhookDeliveryFactory,
    WebhookSubscriptionFactory,
)

AT = datetime(2026, 11, 2, 15, tzinfo=UTC)


def populate() -> ConnectedBusiness:
    business = ConnectedBusinessFactory(sync_state=ConnectedBusiness.SyncState.OK)
    SyncRunFactory(business=business, kind=SyncRun.Kind.FULL, status="failed", error="x")
    ClientFactory(business=business, freshbooks_id=1, display_name="Acme")
    ProjectFactory(business=business, freshbooks_id=2, title="Site", rate=Decimal(90))
    ServiceFactory(business=business, freshbooks_id=3, name="Design")
    TeamMemberFactory(business=business, identity_id=4, name="Fran")
    entry = TimeEntryFactory(
        business=business,
        freshbooks_id=5,
        client_freshbooks_id=1,
        started_at=AT,
        duration_seconds=3600,
        billable=True,
    )
    ExpenseFactory(business=business, freshbooks_id=6, client_freshbooks_id=1, billable=True)
    TaxFactory(business=business, freshbooks_id=7, name="HST", percent=Decimal(13))
    TaxDefault.objects.create(business=business, scope="business", first_tax_freshbooks_id=7)
    subscription = WebhookSubscriptionFactory(
        business=business, event="time_entry", uri="https://example.com/hook/", verified=True
    )
    WebhookDeliveryFactory(
        business=business, subscription=subscription, name="time_entry.create", object_id=5
    )
    BillingPolicyFactory(business=business)
    RateRuleFactory(business=business, client_freshbooks_id=1, rate=Decimal(100))
    InvoiceScheduleFactory(business=business)
    run = InvoiceRunFactory(
        business=business, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30)
    )
    draft = DraftInvoiceFactory(
        run=run,
        business=business,
        client_freshbooks_id=1,
        client_name="Acme",
        currency_code="USD",
        unique_key="k" * 64,
        total=Decimal(100),
    )
    line = DraftLineFactory(
        draft=draft,
        position=1,
        name="Design",
        quantity=Decimal(1),
        unit_cost=Decimal(100),
        amount=Decimal(100),
        raw_seconds=3600,
        billed_seconds=3600,
    )
    DraftEntryFactory(
        draft=draft,
        line=line,
        time_entry=entry,
        business_freshbooks_id=business.business_id,
        time_entry_freshbooks_id=5,
        raw_seconds=3600,
        billed_seconds=3600,
    )
    return business
