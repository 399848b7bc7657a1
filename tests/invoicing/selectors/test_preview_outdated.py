"""A preview says it is outdated after any write to what it was planned from, whoever writes it.

"Outdated" is the business's billing inputs version (bumped by PostgreSQL triggers, one per
watched table) against the one the preview was planned at: every way the mirror, the local rates,
the billing defaults, the reservations or the business's zone and currency can change is tried
below, through the ORM, bulk updates and raw SQL, and so are the writes that must not count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connections.models import ConnectedBusiness
from invoicing.drafts import invoice_run_preview
from invoicing.models import (
    BillingPolicy,
    Client,
    DraftEntry,
    DraftExpense,
    DraftInvoice,
    DraftLine,
    Expense,
    InvoiceRun,
    Project,
    ProjectServiceRate,
    RateRule,
    Service,
    ServiceRate,
    Tax,
    TaxDefault,
    TeamMember,
    TimeEntry,
)
from invoicing.selectors.previews import open_previews, preview_outdated
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31", "grouping": "project"}


def add_entry(business, entry_id, *, client=10, project=70, seconds=3600, day=0):
    return TimeEntry.objects.create(
        business=business,
        freshbooks_id=entry_id,
        client_freshbooks_id=client,
        project_freshbooks_id=project,
        started_at=STARTED + timedelta(days=day),
        duration_seconds=seconds,
        billable=True,
    )


def world():
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    Client.objects.create(business=business, freshbooks_id=10, display_name="Acme Corp")
    Project.objects.create(
        business=business,
        freshbooks_id=70,
        title="Website",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("120.00"),
    )
    Service.objects.create(business=business, freshbooks_id=30, name="Design")
    ServiceRate.objects.create(business=business, service_freshbooks_id=30, rate=Decimal("90"))
    TeamMember.objects.create(business=business, identity_id=7, name="Ada")
    RateRule.objects.create(business=business, client_freshbooks_id=10, rate=Decimal("100.00"))
    BillingPolicy.objects.create(business=business, standard_rate=Decimal("95.00"))
    add_entry(business, 500, seconds=5400)
    add_entry(business, 501, seconds=1800, day=1)
    return business


@pytest.fixture
def business():
    return world()


def preview(business) -> InvoiceRun:
    return invoice_run_preview(business=business, raw_options=MAY, refresh=False)


def reserve(business, entry_id: int) -> DraftEntry:
    """Another run's draft takes an entry (as planning does)."""
    other = invoice_run_preview(business=business, raw_options=MAY, refresh=False)
    draft = DraftInvoice.objects.create(
        run=other,
        business=business,
        client_freshbooks_id=10,
        client_name="Acme Corp",
        currency_code="USD",
        unique_key=f"key-{entry_id}",
        total=Decimal("1.00"),
    )
    line = DraftLine.objects.create(
        draft=draft,
        position=1,
        name="Website",
        quantity=Decimal("1.00"),
        unit_cost=Decimal("1.00"),
        amount=Decimal("1.00"),
        raw_seconds=3600,
        billed_seconds=3600,
    )
    return DraftEntry.objects.create(
        draft=draft,
        line=line,
        time_entry=TimeEntry.objects.get(business=business, freshbooks_id=entry_id),
        business_freshbooks_id=business.business_id,
        time_entry_freshbooks_id=entry_id,
        raw_seconds=3600,
        billed_seconds=3600,
    )


def raw_sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


CHANGES = {
    # The mirror, as sync, webhooks, outside hours and the fresh read before planning write it.
    "a new time entry": lambda b: add_entry(b, 502, day=2),
    "a time entry's hours": lambda b: TimeEntry.objects.filter(
        business=b, freshbooks_id=500
    ).update(duration_seconds=60),
    "a time entry billed": lambda b: TimeEntry.objects.filter(business=b, freshbooks_id=500).update(
        billed=True
    ),
    "a time entry deleted": lambda b: TimeEntry.objects.filter(
        business=b, freshbooks_id=501
    ).delete(),
    "a time entry's note": lambda b: TimeEntry.objects.filter(business=b, freshbooks_id=500).update(
        note="changed"
    ),
    "a client's currency": lambda b: Client.objects.filter(business=b).update(currency_code="CAD"),
    "a client archived": lambda b: Client.objects.filter(business=b).update(active=False),
    "a new client": lambda b: Client.objects.create(business=b, freshbooks_id=12),
    "a project's rate": lambda b: Project.objects.filter(business=b).update(rate=Decimal("1")),
    "a project's billing method": lambda b: Project.objects.filter(business=b).update(
        billing_method="service_rate"
    ),
    "a service renamed": lambda b: Service.objects.filter(business=b).update(name="Build"),
    "a service rate": lambda b: ServiceRate.objects.filter(business=b).update(rate=Decimal("1")),
    "a project service rate": lambda b: ProjectServiceRate.objects.create(
        business=b, project_freshbooks_id=70, service_freshbooks_id=30, rate=Decimal("5")
    ),
    "a team member's rate": lambda b: TeamMember.objects.filter(business=b).update(
        billable_rate=Decimal("70")
    ),
    "a new expense": lambda b: Expense.objects.create(
        business=b, freshbooks_id=900, client_freshbooks_id=10, amount=Decimal("12.00")
    ),
    "a new tax": lambda b: Tax.objects.create(business=b, freshbooks_id=800, name="HST"),
    # Local rates and defaults, as the Rates and Defaults pages and the admin write them.
    "a new rate rule": lambda b: RateRule.objects.create(
        business=b, client_freshbooks_id=10, project_freshbooks_id=70, rate=Decimal("130")
    ),
    "a rate rule's rate": lambda b: RateRule.objects.filter(business=b).update(rate=Decimal("1")),
    "a rate rule's dates": lambda b: RateRule.objects.filter(business=b).update(
        valid_from=date(2024, 5, 20)
    ),
    "a rate rule deleted": lambda b: RateRule.objects.filter(business=b).delete(),
    "the standard rate": lambda b: BillingPolicy.objects.filter(business=b).update(
        standard_rate=Decimal("1")
    ),
    "the billing defaults deleted": lambda b: BillingPolicy.objects.filter(business=b).delete(),
    "a business tax default": lambda b: TaxDefault.objects.create(
        business=b, scope=TaxDefault.Scope.BUSINESS, first_tax_freshbooks_id=800
    ),
    "the expense choice": lambda b: BillingPolicy.objects.filter(business=b).update(
        expenses="none"
    ),
    # Reservations: another run's draft takes an entry, or its draft is voided.
    "an entry reserved by another draft": lambda b: reserve(b, 500),
    # The business itself.
    "the business's time zone": lambda b: ConnectedBusiness.objects.filter(pk=b.pk).update(
        timezone="Pacific/Kiritimati"
    ),
    "the business's currency": lambda b: ConnectedBusiness.objects.filter(pk=b.pk).update(
        currency_code="EUR"
    ),
    # Whatever writes, not only the ORM.
    "raw SQL on the time entries": lambda b: raw_sql(
        "UPDATE invoicing_timeentry SET duration_seconds = 1 WHERE business_id = %s", b.pk
    ),
    "raw SQL on the raw JSON": lambda b: raw_sql(
        "UPDATE invoicing_project SET raw = '{\"internal\": true}' WHERE business_id = %s", b.pk
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_what_a_preview_is_planned_from_makes_it_outdated(business, change):
    run = preview(business)
    assert not preview_outdated(run)

    CHANGES[change](business)

    assert preview_outdated(run)


def test_voiding_a_draft_that_holds_time_of_the_period_makes_a_preview_outdated(business):
    reservation = reserve(business, 500)
    run = preview(business)
    assert not preview_outdated(run)

    DraftEntry.objects.filter(pk=reservation.pk).update(voided=True)

    assert preview_outdated(run)


def test_sync_bookkeeping_alone_leaves_a_preview_up_to_date(business):
    """An incremental sync re-reads an overlap: it rewrites `synced_at` and `seen_by_run_id`."""
    run = preview(business)

    for model in (TimeEntry, Client, Project, Service, Tax):
        model.objects.filter(business=business).update(seen_by_run_id=41)
    TimeEntry.objects.filter(business=business).update(synced_at=datetime(2030, 1, 1, tzinfo=UTC))
    for model in (ServiceRate, TeamMember):
        model.objects.filter(business=business).update(seen_by_run_id=41)
    TimeEntry.objects.filter(business=business, freshbooks_id=500).update(duration_seconds=5400)

    assert not preview_outdated(run)


def test_another_business_changing_leaves_a_preview_up_to_date(business):
    other = world()
    run = preview(business)

    add_entry(other, 777)
    RateRule.objects.filter(business=other).update(rate=Decimal("1"))
    ConnectedBusiness.objects.filter(pk=other.pk).update(timezone="Asia/Tokyo")

    assert not preview_outdated(run)


def test_a_change_written_after_the_preview_in_the_same_transaction_still_counts(business):
    """The triggers bump once per transaction; reading the version re-arms them."""
    add_entry(business, 502, day=2)  # bumps, in this test's transaction
    run = preview(business)

    add_entry(business, 503, day=3)

    assert preview_outdated(run)


def test_a_new_preview_of_the_changed_data_is_up_to_date_again(business):
    first = preview(business)
    Project.objects.filter(business=business).update(rate=Decimal("1"))

    second = preview(business)

    assert preview_outdated(first)
    assert not preview_outdated(second)


def test_the_previews_list_checks_every_preview_in_one_read_however_large_the_mirror(business):
    preview(business)
    preview(business)
    with CaptureQueriesContext(connection) as few:
        listed = open_previews(business)
    TimeEntry.objects.bulk_create(
        TimeEntry(
            business=business,
            freshbooks_id=10_000 + number,
            client_freshbooks_id=10,
            started_at=STARTED,
            duration_seconds=60,
            billable=True,
        )
        for number in range(500)
    )
    with CaptureQueriesContext(connection) as many:
        relisted = open_previews(business)

    assert [run.outdated for run in listed] == [False, False]
    assert [run.outdated for run in relisted] == [True, True]
    assert len(many) == len(few) == 2
    assert not any("invoicing_timeentry" in query["sql"] for query in many.captured_queries)


def test_an_expense_reserved_by_another_draft_makes_a_preview_outdated(business):
    expense = Expense.objects.create(
        business=business, freshbooks_id=901, client_freshbooks_id=10, amount=Decimal("12.00")
    )
    draft = reserve(business, 501).draft
    line = DraftLine.objects.create(
        draft=draft,
        position=2,
        name="Taxi",
        quantity=Decimal("1"),
        unit_cost=Decimal("12.00"),
        amount=Decimal("12.00"),
        raw_seconds=0,
        billed_seconds=0,
    )
    run = preview(business)
    assert not preview_outdated(run)

    DraftExpense.objects.create(
        draft=draft,
        line=line,
        expense=expense,
        business_freshbooks_id=business.business_id,
        expense_freshbooks_id=901,
    )

    assert preview_outdated(run)


# Tables of the app that carry a business but are not read by the billing rules.
NOT_BILLING_INPUTS = {
    "invoicing_invoicerun",
    "invoicing_draftinvoice",
    "invoicing_draftline",
    "invoicing_invoiceschedule",
    "invoicing_syncrun",
    "invoicing_hoursimport",
    "invoicing_billinginputsversion",
}


def test_every_table_of_the_app_that_carries_a_business_is_watched_or_said_not_to_matter():
    """A new mirror or rule table (taxes, expenses, ...) gets the triggers, or this fails."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'billing_inputs_written'"
        )
        watched = {row[0] for row in cursor.fetchall()}
    carrying = {
        model._meta.db_table
        for model in apps.get_app_config("invoicing").get_models()
        if any(
            field.name in ("business", "business_freshbooks_id")
            for field in model._meta.get_fields()
        )
    }

    assert carrying - NOT_BILLING_INPUTS == watched
