"""Factories for invoicing's models: the FreshBooks mirror, sync runs, billing policies, invoice
runs and their drafts.

Mirror rows get FreshBooks ids from 100 000 up, clear of the small ids tests choose themselves.
A time entry is one hour on ``WORKED_AT``, neither billable nor billed unless the test says so;
an expense is 50.00 USD that day, not billable unless the test says so.
A draft belongs to the business of its run; a draft entry to the draft of its line, and it
reserves a time entry of that business.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from invoicing.models import (
    BillingPolicy,
    Client,
    DraftEntry,
    DraftInvoice,
    DraftLine,
    Expense,
    InvoiceRun,
    InvoiceSchedule,
    Project,
    ProjectServiceRate,
    RateRule,
    Service,
    ServiceRate,
    SyncRun,
    Tax,
    TeamMember,
    TimeEntry,
)
from tests.factories.connections import ConnectedBusinessFactory

WORKED_AT = datetime(2026, 11, 2, 15, tzinfo=UTC)
RATE = Decimal("100.00")
CENT = Decimal("0.01")


def freshbooks_ids():
    return factory.Sequence(lambda n: 100_000 + n)


# -- the mirror ----------------------------------------------------------------------------------


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    display_name = factory.LazyAttribute(lambda client: f"Client {client.freshbooks_id}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    title = factory.LazyAttribute(lambda project: f"Project {project.freshbooks_id}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    name = factory.LazyAttribute(lambda service: f"Service {service.freshbooks_id}")


class ServiceRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRate

    business = factory.SubFactory(ConnectedBusinessFactory)
    service_freshbooks_id = freshbooks_ids()
    rate = RATE


class ProjectServiceRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectServiceRate

    business = factory.SubFactory(ConnectedBusinessFactory)
    project_freshbooks_id = freshbooks_ids()
    service_freshbooks_id = freshbooks_ids()
    rate = RATE


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    business = factory.SubFactory(ConnectedBusinessFactory)
    identity_id = freshbooks_ids()
    name = factory.LazyAttribute(lambda member: f"Member {member.identity_id}")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    started_at = WORKED_AT
    duration_seconds = 3600


class ExpenseFactory(factory.django.DjangoModelFactory):
    """A 50.00 expense on the day the time was worked, in US dollars, not billable."""

    class Meta:
        model = Expense

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    date = WORKED_AT.date()
    amount = Decimal("50.00")
    currency_code = "USD"


class TaxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tax

    business = factory.SubFactory(ConnectedBusinessFactory)
    freshbooks_id = freshbooks_ids()
    name = "HST"
    percent = Decimal("13")


# -- syncs and billing policies ------------------------------------------------------------------


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    business = factory.SubFactory(ConnectedBusinessFactory)
    kind = SyncRun.Kind.FULL


class BillingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingPolicy

    business = factory.SubFactory(ConnectedBusinessFactory)


class RateRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateRule

    business = factory.SubFactory(ConnectedBusinessFactory)
    client_freshbooks_id = freshbooks_ids()
    rate = RATE


class InvoiceScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceSchedule

    business = factory.SubFactory(ConnectedBusinessFactory)


# -- invoice runs and drafts ---------------------------------------------------------------------


class InvoiceRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceRun

    business = factory.SubFactory(ConnectedBusinessFactory)
    period_start = date(2026, 11, 1)
    period_end = date(2026, 11, 30)


class DraftInvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftInvoice

    run = factory.SubFactory(InvoiceRunFactory)
    business = factory.LazyAttribute(lambda draft: draft.run.business)
    client_freshbooks_id = freshbooks_ids()
    client_name = factory.LazyAttribute(lambda draft: f"Client {draft.client_freshbooks_id}")
    currency_code = "USD"
    unique_key = factory.Sequence(lambda n: f"{n:064x}")
    total = RATE


class DraftLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftLine

    draft = factory.SubFactory(DraftInvoiceFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = "Professional services"
    quantity = Decimal("1.00")
    unit_cost = RATE
    amount = factory.LazyAttribute(lambda line: (line.quantity * line.unit_cost).quantize(CENT))
    raw_seconds = 3600
    billed_seconds = factory.SelfAttribute("raw_seconds")


class DraftEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftEntry

    line = factory.SubFactory(DraftLineFactory)
    draft = factory.LazyAttribute(lambda entry: entry.line.draft)
    time_entry = factory.SubFactory(
        TimeEntryFactory, business=factory.SelfAttribute("..draft.business")
    )
    business_freshbooks_id = factory.LazyAttribute(lambda entry: entry.draft.business.business_id)
    time_entry_freshbooks_id = factory.LazyAttribute(lambda entry: entry.time_entry.freshbooks_id)
    raw_seconds = factory.LazyAttribute(lambda entry: entry.time_entry.duration_seconds)
    billed_seconds = factory.SelfAttribute("raw_seconds")
