"""Load mirrored rows into the billing core's dataclasses (the only ORM-to-billing bridge).

Reads only: a business without saved billing defaults gets the defaults' values, unsaved, so a
GET or a preview never writes. `billing_context_for` + `billing_plan` are the one way both the
business page's estimate and the draft planner price time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import F, Q, QuerySet

from connections.models import ConnectedBusiness
from invoicing.billing import (
    EXPENSES_NONE,
    BillingOptions,
    BillingPlan,
    BusinessFacts,
    Catalog,
    ClientFacts,
    ProjectFacts,
    RateRule,
    RoundingPolicy,
    ServiceFacts,
    TeamMemberFacts,
    TimeEntryFacts,
    billing_options_from,
    period_bounds_utc,
    plan_drafts,
)
from invoicing.billing.inputs import CLIENT_ACTIVE, CLIENT_ARCHIVED, CLIENT_DELETED
from invoicing.billing.periods import today_in_zone
from invoicing.billing.taxes import NO_TAX_DEFAULTS, TaxDefaults
from invoicing.models import (
    BillingPolicy,
    Client,
    DraftEntry,
    Project,
    ProjectServiceRate,
    Service,
    ServiceRate,
    TeamMember,
    TimeEntry,
)
from invoicing.models import RateRule as RateRuleRow
from invoicing.selectors.expense_context import ExpenseInputs
from invoicing.selectors.lookups import AnyOfIntegers
from invoicing.selectors.planning_reads import PlannedEntry, gc_paused
from invoicing.selectors.tax_defaults import tax_defaults_for

# An entry as planning reads it (`planning_reads.entry_rows`), or as a model instance.
EntryRow = TypeVar("EntryRow", TimeEntry, PlannedEntry)

# Decision: a business without a currency in /me and a client without one bill in USD, the
# currency FreshBooks itself defaults to; the preview shows the currency of every draft.
FALLBACK_CURRENCY = "USD"


def business_key(business: ConnectedBusiness) -> str:
    """Identifies the FreshBooks business (not the local connection) in draft unique keys."""
    return f"freshbooks-business-{business.business_id}"


def billing_policy_of(business: ConnectedBusiness) -> BillingPolicy:
    """The business's billing defaults; unsaved defaults when it never saved any."""
    return BillingPolicy.objects.filter(business=business).first() or BillingPolicy(
        business=business
    )


@dataclass(frozen=True)
class BillingContext:
    """Everything besides the entries that the billing rules need to price a business's time."""

    catalog: Catalog
    rules: list[RateRule]
    business: BusinessFacts
    business_key: str
    # The local tax defaults (previews and drafts); estimates of many businesses leave them out.
    taxes: TaxDefaults = NO_TAX_DEFAULTS


def billing_context_for(business: ConnectedBusiness) -> BillingContext:
    return BillingContext(
        catalog=catalog_for(business),
        rules=rate_rules_for(business),
        business=business_facts(business, billing_policy_of(business)),
        business_key=business_key(business),
        taxes=tax_defaults_for(business),
    )


@gc_paused
def billing_plan(
    context: BillingContext,
    *,
    entries: list[TimeEntryFacts],
    options: BillingOptions,
    expenses: ExpenseInputs | None = None,
) -> BillingPlan:
    """`expenses` (`expense_context.expense_inputs`): the run's expenses in scope, if any."""
    expenses = expenses or ExpenseInputs()
    return plan_drafts(
        entries=entries,
        catalog=context.catalog,
        rules=context.rules,
        options=options,
        business=context.business,
        business_key=context.business_key,
        taxes=context.taxes,
        expenses=expenses.facts,
        reserved_expense_ids=expenses.reserved,
        known_taxes=expenses.taxes,
    )


def business_facts(business: ConnectedBusiness, policy: BillingPolicy) -> BusinessFacts:
    return BusinessFacts(
        timezone=business.timezone or None,
        currency_code=business.currency_code or FALLBACK_CURRENCY,
        standard_rate=policy.standard_rate,
    )


def first_day_of_week(business: ConnectedBusiness) -> int | None:
    """FreshBooks' `first_day_of_week` from the identity's /me memberships, when it is there."""
    for membership in business.connection.identity.memberships or []:
        details = membership.get("business") if isinstance(membership, dict) else None
        if isinstance(details, dict) and details.get("id") == business.business_id:
            value = details.get("first_day_of_week")
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def business_today(business: ConnectedBusiness, now) -> date:
    return today_in_zone(now, business.timezone or None)


def options_for(
    business: ConnectedBusiness,
    raw: Mapping[str, Any],
    *,
    today: date,
    policy: BillingPolicy | None = None,
) -> BillingOptions:
    """Validated options; the business's policy fills what `raw` leaves out.

    Raises BillingOptionsError naming the bad field.
    """
    policy = policy or billing_policy_of(business)
    merged = {
        "grouping": policy.grouping,
        "unpriced": policy.unpriced,
        "expenses": policy.expenses,
        **raw,
    }
    return billing_options_from(
        merged,
        today=today,
        first_day_of_week=first_day_of_week(business),
        max_custom_months=settings.INVOICE_PERIOD_MAX_MONTHS,
        defaults=RoundingPolicy(
            increment_minutes=policy.rounding_increment,
            direction=policy.rounding_direction,
            level=policy.rounding_level,
        ),
    )


def options_snapshot(options: BillingOptions) -> dict[str, Any]:
    """What a run stores: enough to repeat it exactly (the period is resolved to dates)."""
    return {
        "period_start": options.period.start.isoformat(),
        "period_end": options.period.end.isoformat(),
        "grouping": options.grouping,
        "rounding_increment": options.rounding.increment_minutes,
        "rounding_direction": options.rounding.direction,
        "rounding_level": options.rounding.level,
        "unpriced": options.unpriced,
        "expenses": options.expenses,
        "max_lines": options.max_lines,
        "excluded_client_ids": sorted(options.excluded_client_ids),
        "excluded_project_ids": sorted(options.excluded_project_ids),
        "excluded_entry_ids": sorted(options.excluded_entry_ids),
    }


def options_from_snapshot(snapshot: Mapping[str, Any]) -> BillingOptions:
    raw = {
        # A run previewed before expenses were billed bills none, as its preview showed.
        "expenses": EXPENSES_NONE,
        "period": "custom",
        "start": snapshot["period_start"],
        "end": snapshot["period_end"],
        **{
            key: value
            for key, value in snapshot.items()
            if key not in ("period_start", "period_end")
        },
    }
    return billing_options_from(raw, today=date.fromisoformat(snapshot["period_end"]))


def client_status(client: Client) -> str:
    """active, archived or deleted, from FreshBooks' vis_state (0, 2, 1) and the mirror's flag."""
    vis_state = client.raw.get("vis_state") if isinstance(client.raw, dict) else None
    if client.active and vis_state in (None, 0):
        return CLIENT_ACTIVE
    return CLIENT_ARCHIVED if vis_state == 2 else CLIENT_DELETED


def catalog_for(business: ConnectedBusiness) -> Catalog:
    """Every mirrored client, archived and deleted ones too, so their time says why it waits."""
    return catalogs_for([business.pk])[business.pk]


def catalogs_for(business_pks: Iterable[int]) -> dict[int, Catalog]:
    """`catalog_for` of many businesses in one query per mirror (the dashboard's estimates)."""
    pks = list(business_pks)
    parts: dict[int, dict[str, dict]] = {
        pk: {
            name: {}
            for name in (
                "clients",
                "projects",
                "services",
                "team_members",
                "business_service_rates",
                "project_service_rates",
            )
        }
        for pk in pks
    }
    for client in Client.objects.filter(business_id__in=pks):
        parts[client.business_id]["clients"][client.freshbooks_id] = ClientFacts(
            id=client.freshbooks_id,
            name=str(client),
            currency_code=client.currency_code or None,
            status=client_status(client),
        )
    for project in Project.objects.filter(business_id__in=pks):
        parts[project.business_id]["projects"][project.freshbooks_id] = ProjectFacts(
            id=project.freshbooks_id,
            title=str(project),
            client_id=project.client_freshbooks_id,
            billing_method=project.billing_method or None,
            rate=project.rate,
            is_fixed_price=project.is_fixed_price,
            internal=isinstance(project.raw, dict) and project.raw.get("internal") is True,
        )
    for service in Service.objects.filter(business_id__in=pks):
        parts[service.business_id]["services"][service.freshbooks_id] = ServiceFacts(
            id=service.freshbooks_id, name=str(service)
        )
    for member in TeamMember.objects.filter(business_id__in=pks):
        parts[member.business_id]["team_members"][member.identity_id] = TeamMemberFacts(
            id=member.identity_id, name=str(member), rate=member.billable_rate
        )
    for rate in ServiceRate.objects.filter(business_id__in=pks):
        parts[rate.business_id]["business_service_rates"][rate.service_freshbooks_id] = rate.rate
    for row in ProjectServiceRate.objects.filter(business_id__in=pks):
        key = (row.project_freshbooks_id, row.service_freshbooks_id)
        parts[row.business_id]["project_service_rates"][key] = row.rate
    return {pk: Catalog(**parts[pk]) for pk in pks}


def rate_rules_for(business: ConnectedBusiness) -> list[RateRule]:
    return rate_rules_of([business.pk])[business.pk]


def rate_rules_of(business_pks: Iterable[int]) -> dict[int, list[RateRule]]:
    rules: dict[int, list[RateRule]] = {pk: [] for pk in business_pks}
    for row in RateRuleRow.objects.filter(business_id__in=list(rules)):
        rules[row.business_id].append(
            RateRule(
                id=row.pk,
                rate=row.rate,
                client_id=row.client_freshbooks_id,
                project_id=row.project_freshbooks_id,
                service_id=row.service_freshbooks_id,
                team_member_id=row.team_member_identity_id,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
        )
    return rules


def billing_contexts_for(
    businesses: list[ConnectedBusiness],
) -> dict[int, tuple[BillingContext, BillingPolicy]]:
    """`billing_context_for` (and the policy) of many businesses, in a fixed number of queries."""
    pks = [business.pk for business in businesses]
    catalogs = catalogs_for(pks)
    rules = rate_rules_of(pks)
    policies = {row.business_id: row for row in BillingPolicy.objects.filter(business_id__in=pks)}
    contexts = {}
    for business in businesses:
        policy = policies.get(business.pk) or BillingPolicy(business=business)
        contexts[business.pk] = (
            BillingContext(
                catalog=catalogs[business.pk],
                rules=rules[business.pk],
                business=business_facts(business, policy),
                business_key=business_key(business),
            ),
            policy,
        )
    return contexts


def candidate_entries(
    business: ConnectedBusiness,
    options: BillingOptions,
    *,
    replacing_draft_id: int | None = None,
) -> QuerySet[TimeEntry]:
    """Unbilled, live entries starting in the period (in the business's zone).

    `replacing_draft_id` (a re-bill's preview): that draft's entries count as unbilled too, since
    voiding it sets them unbilled before its replacement is created.
    """
    start_utc, end_utc = period_bounds_utc(options.period, business.timezone or None)
    unbilled = Q(billed=False)
    if replacing_draft_id is not None:
        unbilled |= Q(pk__in=_reserved_by(replacing_draft_id).values("time_entry_id"))
    return TimeEntry.objects.filter(
        unbilled,
        business=business,
        active=True,
        started_at__gte=start_utc,
        started_at__lt=end_utc,
    ).order_by("freshbooks_id")


def _reserved_by(draft_id: int) -> QuerySet[DraftEntry]:
    return DraftEntry.objects.filter(draft_id=draft_id, voided=False)


@gc_paused
def entry_facts(
    business: ConnectedBusiness,
    entries: Iterable[EntryRow],
    *,
    replacing_draft_id: int | None = None,
) -> tuple[list[TimeEntryFacts], dict[int, EntryRow]]:
    """Facts for the planner plus the rows by FreshBooks id (to reserve them).

    `replacing_draft_id` (a re-bill's preview): the entries that draft reserves count as free and
    unbilled, since voiding it releases them and sets them unbilled before its replacement is
    created.
    """
    rows = {entry.freshbooks_id: entry for entry in entries}
    reservations = DraftEntry.objects.filter(
        # One array parameter, not 100,000.
        AnyOfIntegers(F("time_entry_freshbooks_id"), list(rows)),
        business_freshbooks_id=business.business_id,
        voided=False,
    )
    freed: set[int] = set()
    if replacing_draft_id is not None:
        freed = set(
            _reserved_by(replacing_draft_id).values_list("time_entry_freshbooks_id", flat=True)
        )
        reservations = reservations.exclude(draft_id=replacing_draft_id)
    on_open_drafts = set(reservations.values_list("time_entry_freshbooks_id", flat=True))
    of_row = TimeEntryFacts.of_row
    facts = [
        of_row(
            row.freshbooks_id,
            row.client_freshbooks_id,
            row.project_freshbooks_id,
            row.service_freshbooks_id,
            row.identity_id,
            row.started_at,
            row.duration_seconds,
            row.billable,
            row.billed and row.freshbooks_id not in freed,
            row.active,
            row.is_logged,
            row.internal,
            row.note,
            row.freshbooks_id in on_open_drafts,
        )
        for row in rows.values()
    ]
    return facts, rows
