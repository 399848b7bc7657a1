"""Read queries over the mirrors for views and admin.

Every function takes an already-authorised business; none writes (a GET never creates a policy).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet, Sum

from connections.models import ConnectedBusiness
from invoicing.billing import (
    BillingPlan,
    NotBilledReason,
    Period,
    RoundingPolicy,
    TimeEntryFacts,
    billing_options_from,
    local_date,
    period_bounds_utc,
)
from invoicing.billing.money import hours_from_seconds
from invoicing.models import (
    Client,
    DraftEntry,
    Project,
    SyncRun,
    TimeEntry,
)
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors.rates import FixLink, RateNames, rate_fix_link_for, rate_names

# Fix links shown per client on the business page; the rest are counted.
RATE_FIXES_SHOWN = 3

# Why an unbilled entry has no amount yet, in words for the business page.
UNPRICED_REASONS = {
    NotBilledReason.NO_RATE: "no rate",
    NotBilledReason.ZERO_RATE: "zero rate",
    NotBilledReason.FIXED_PRICE_PROJECT: "fixed-price project",
    NotBilledReason.ALREADY_ON_DRAFT: "already on a draft",
    NotBilledReason.RUNNING_TIMER: "running timer",
    NotBilledReason.NO_CLIENT: "client not synced",
    NotBilledReason.CLIENT_ARCHIVED: "client archived or deleted",
    NotBilledReason.INTERNAL: "internal project",
}


@dataclass(frozen=True)
class UnbilledClientHours:
    client_id: int
    client_name: str
    currency_code: str
    entries: int
    seconds: int
    # What a draft for this client would total now (None: nothing priced).
    amount: Decimal | None = None
    unpriced_seconds: int = 0
    unpriced_reasons: tuple[str, ...] = ()
    blocked_reason: str = ""
    # Links to set the rates this client's unpriced time lacks ("Set a rate for project X").
    rate_fixes: tuple[FixLink, ...] = ()
    more_rate_fixes: int = 0

    @property
    def hours(self) -> Decimal:
        return hours_from_seconds(self.seconds)

    @property
    def unpriced_hours(self) -> Decimal:
        return hours_from_seconds(self.unpriced_seconds)


def unbilled_time_entries(business: ConnectedBusiness):
    """Logged, billable, not yet billed time with a client: what invoicing can pick from."""
    return TimeEntry.objects.filter(
        business=business,
        billable=True,
        billed=False,
        active=True,
        is_logged=True,
        client_freshbooks_id__isnull=False,
    )


@dataclass(frozen=True)
class ClientChoice:
    """A client with unbilled time, and the projects of that time, to choose for a run."""

    client_id: int
    name: str
    seconds: int
    projects: tuple[tuple[int, str], ...]

    @property
    def hours(self) -> Decimal:
        return hours_from_seconds(self.seconds)


def billable_client_choices(business: ConnectedBusiness) -> list[ClientChoice]:
    """Clients with unbilled billable time (any date) and its projects, by name."""
    groups = (
        unbilled_time_entries(business)
        .values("client_freshbooks_id", "project_freshbooks_id")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    names = client_names(business)
    titles = project_titles(business)
    seconds: dict[int, int] = {}
    projects: dict[int, set[int]] = {}
    for group in groups:
        client_id = group["client_freshbooks_id"]
        seconds[client_id] = seconds.get(client_id, 0) + (group["seconds"] or 0)
        projects.setdefault(client_id, set())
        if group["project_freshbooks_id"] is not None:
            projects[client_id].add(group["project_freshbooks_id"])
    choices = [
        ClientChoice(
            client_id=client_id,
            name=names.get(client_id, f"Client {client_id}"),
            seconds=seconds[client_id],
            projects=tuple(
                sorted(
                    ((pid, titles.get(pid, f"Project {pid}")) for pid in projects[client_id]),
                    key=lambda item: (item[1].casefold(), item[0]),
                )
            ),
        )
        for client_id in seconds
    ]
    return sorted(choices, key=lambda choice: (choice.name.casefold(), choice.client_id))


def unbilled_hours_by_client(
    business: ConnectedBusiness, groups: list[dict] | None = None
) -> list[UnbilledClientHours]:
    """Hours and entries per client, summed from `unbilled_groups` (read here unless given: the
    estimate passes the groups it prices, so the mirror is summed once)."""
    if groups is None:
        groups = list(unbilled_groups(unbilled_time_entries(business)))
    totals: dict[int, tuple[int, int]] = {}
    for group in groups:
        seconds, entries = totals.get(group["client_freshbooks_id"], (0, 0))
        totals[group["client_freshbooks_id"]] = (
            seconds + (group["seconds"] or 0),
            entries + group["entries"],
        )
    if not totals:
        return []
    clients = {
        client.freshbooks_id: client
        for client in Client.objects.filter(business=business, freshbooks_id__in=list(totals)).only(
            "freshbooks_id", "display_name", "currency_code"
        )
    }
    rows = []
    for client_id, (seconds, entries) in totals.items():
        client = clients.get(client_id)
        rows.append(
            UnbilledClientHours(
                client_id=client_id,
                client_name=str(client) if client else f"Client {client_id}",
                currency_code=(client.currency_code if client else "") or business.currency_code,
                entries=entries,
                seconds=seconds,
            )
        )
    return sorted(rows, key=lambda row: (-row.seconds, row.client_name))


def unbilled_by_client(business: ConnectedBusiness, *, today: date) -> list[UnbilledClientHours]:
    """Hours per client plus an estimate of what a draft would carry, priced by the billing rules.

    Entries are summed in SQL per client, project, service and team member, and each sum is
    priced as one entry by `plan_drafts` at the rate valid on its latest day, without rounding:
    the page stays fast with 100,000 entries and uses the same rates as a preview, whose exact
    totals (rounding, dated rate rules) are what the drafts get.
    """
    groups = list(unbilled_groups(unbilled_time_entries(business)))
    rows = unbilled_hours_by_client(business, groups)
    if not rows:
        return rows
    plan, seconds = _unbilled_plan(business, groups, today=today)
    drafts = {draft.client_id: draft for draft in plan.drafts}
    unpriced: dict[int, tuple[int, set[str]]] = {}
    fixes: dict[int, dict[FixLink, None]] = {}
    names: RateNames | None = None
    for item in plan.not_billed:
        if item.client_id is None or item.reason not in UNPRICED_REASONS:
            continue
        total, reasons = unpriced.get(item.client_id, (0, set()))
        reasons.add(UNPRICED_REASONS[item.reason])
        unpriced[item.client_id] = (total + seconds.get(item.entry_id, 0), reasons)
        if item.rate_fix is not None:
            names = names or rate_names(business)
            link = rate_fix_link_for(business, item.rate_fix, names=names)
            if link is not None:
                fixes.setdefault(item.client_id, {})[link] = None
    priced_rows = []
    for row in rows:
        draft = drafts.get(row.client_id)
        unpriced_seconds, reasons = unpriced.get(row.client_id, (0, set()))
        links = sorted(fixes.get(row.client_id, {}), key=lambda link: link.label.casefold())
        priced_rows.append(
            replace(
                row,
                amount=draft.total if draft else None,
                currency_code=draft.currency_code if draft else row.currency_code,
                unpriced_seconds=unpriced_seconds,
                unpriced_reasons=tuple(sorted(reasons)),
                blocked_reason=(draft.blocked_reason or "") if draft else "",
                rate_fixes=tuple(links[:RATE_FIXES_SHOWN]),
                more_rate_fixes=max(len(links) - RATE_FIXES_SHOWN, 0),
            )
        )
    return priced_rows


def _unbilled_plan(
    business: ConnectedBusiness, groups: list[dict], *, today: date
) -> tuple[BillingPlan, dict]:
    """The plan over the grouped unbilled time, and each group's seconds by its stand-in id."""
    context = billing_inputs.billing_context_for(business)
    policy = billing_inputs.billing_policy_of(business)
    return plan_over_groups(business, context, policy.unpriced, groups, today=today)


def unbilled_groups(entries: QuerySet[TimeEntry]) -> QuerySet:
    """Unbilled time summed per business, client, project, service, team member and flags."""
    on_open_draft = DraftEntry.objects.filter(
        business_freshbooks_id=OuterRef("business__business_id"),
        time_entry_freshbooks_id=OuterRef("freshbooks_id"),
        voided=False,
    )
    return (
        entries.annotate(on_draft=Exists(on_open_draft))
        .values(
            "business_id",
            "client_freshbooks_id",
            "project_freshbooks_id",
            "service_freshbooks_id",
            "identity_id",
            "internal",
            "on_draft",
        )
        .annotate(
            seconds=Sum("duration_seconds"),
            entries=Count("id"),
            stand_in_id=Min("freshbooks_id"),
            first_at=Min("started_at"),
            last_at=Max("started_at"),
        )
        .order_by()
    )


def plan_over_groups(
    business: ConnectedBusiness,
    context: billing_inputs.BillingContext,
    unpriced: str,
    groups: list[dict],
    *,
    today: date,
) -> tuple[BillingPlan, dict]:
    """Each group priced as one entry at the rate valid on its latest day, without rounding."""
    zone = business.timezone or None
    facts = [
        TimeEntryFacts(
            id=group["stand_in_id"],
            client_id=group["client_freshbooks_id"],
            project_id=group["project_freshbooks_id"],
            service_id=group["service_freshbooks_id"],
            team_member_id=group["identity_id"],
            started_at=group["last_at"],
            duration_seconds=group["seconds"] or 0,
            internal=group["internal"],
            on_open_draft=group["on_draft"],
        )
        for group in groups
    ]
    options = billing_options_from(
        {
            "period": "custom",
            "start": local_date(min(group["first_at"] for group in groups), zone),
            "end": max(today, local_date(max(group["last_at"] for group in groups), zone)),
            "grouping": "single",
            "unpriced": unpriced,
        },
        today=today,
        defaults=RoundingPolicy(increment_minutes=0),
    )
    plan = billing_inputs.billing_plan(context, entries=facts, options=options)
    return plan, {fact.id: fact.duration_seconds for fact in facts}


def totals_by_currency(rows: list[UnbilledClientHours]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        if row.amount is not None:
            totals[row.currency_code] = totals.get(row.currency_code, Decimal("0.00")) + row.amount
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class TimeEntryFilters:
    client_id: int | None = None
    project_id: int | None = None
    billed: bool | None = None
    billable: bool | None = None
    period: Period | None = None


def time_entries_for(business: ConnectedBusiness, filters: TimeEntryFilters) -> QuerySet:
    """The business's live time entries, newest first, narrowed by the page's filters."""
    entries = TimeEntry.objects.filter(business=business, active=True).exclude(
        Exists(written_back_copy_of(OuterRef("business"), OuterRef("freshbooks_id")))
    )
    if filters.client_id is not None:
        entries = entries.filter(client_freshbooks_id=filters.client_id)
    if filters.project_id is not None:
        entries = entries.filter(project_freshbooks_id=filters.project_id)
    if filters.billed is not None:
        entries = entries.filter(billed=filters.billed)
    if filters.billable is not None:
        entries = entries.filter(billable=filters.billable)
    if filters.period is not None:
        start_utc, end_utc = period_bounds_utc(filters.period, business.timezone or None)
        entries = entries.filter(started_at__gte=start_utc, started_at__lt=end_utc)
    return entries.only(
        "freshbooks_id",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "started_at",
        "duration_seconds",
        "billable",
        "billed",
        "note",
        "source",
        "source_tool",
    ).order_by("-started_at", "-freshbooks_id")


def written_back_copy_of(business, freshbooks_id) -> QuerySet[TimeEntry]:
    """The outside entry a FreshBooks entry was written back from (invoicing.hours.write_back):
    lists show the outside entry only, not its copy too."""
    return TimeEntry.objects.filter(business=business, write_back_freshbooks_id=freshbooks_id)


def client_names(business: ConnectedBusiness) -> dict[int, str]:
    return {
        freshbooks_id: name or f"Client {freshbooks_id}"
        for freshbooks_id, name in Client.objects.filter(business=business)
        .order_by("display_name", "freshbooks_id")
        .values_list("freshbooks_id", "display_name")
    }


def project_titles(business: ConnectedBusiness) -> dict[int, str]:
    return {
        freshbooks_id: title or f"Project {freshbooks_id}"
        for freshbooks_id, title in Project.objects.filter(business=business)
        .order_by("title", "freshbooks_id")
        .values_list("freshbooks_id", "title")
    }


def recent_sync_runs(business: ConnectedBusiness, limit: int = 10):
    return SyncRun.objects.filter(business=business).order_by("-created_at")[:limit]
