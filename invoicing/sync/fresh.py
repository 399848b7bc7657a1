"""Fresh data just before planning: what a preview or "Create drafts" bills is FreshBooks' now.

Called by the planner (preview and create) inside a web request, so it reads only what the plan
depends on, with short timeouts:

1. time entries changed since the last successful sync started (minus the sync overlap): one
   call per 100 changes, deletions and running timers included;
2. projects changed since then (their rate and billing method live on the project) and clients
   changed since then (archived, deleted, currency): one call each per 100 changes; expenses
   changed and deleted since then (amount, billable, invoice): one call each per 100 changes,
   none for a connection made before expenses were read (its sync says to reconnect);
3. the rates of the projects and services involved, that is those of the unbilled billable entries
   of the period (and chosen clients): the team member rates (one call) when a project involved
   bills by team member; the business service rates (one call) and each project's rate for each
   service used on it (one call per project and service: FreshBooks gives these no change date, so
   only a re-read finds a change) when a project involved bills by service;
4. when the business has tax defaults, the taxes changed since then (a percent changed in
   FreshBooks changes the totals): one call.

So a plan costs 5 calls plus 0 to 3 plus one per (service-rate project, service) pair in the period.
The calls of each step run concurrently (`invoicing.sync.concurrent_reads`, 8 at a time, each still
through the identity's rate gate); this thread stores what they read.
If FreshBooks cannot be reached in time (down, rate-limited, access lost), the plan is made from the
mirror as it is, and `Freshness.problem` says so with the time of the last sync.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.freshbooks import (
    FreshBooksClient,
    FreshBooksError,
    Page,
    PermissionDenied,
    parse_utc_datetime,
)
from connections.models import ConnectedBusiness
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from invoicing.billing import Period, period_bounds_utc
from invoicing.models import (
    Client,
    Expense,
    Project,
    SyncRun,
    Tax,
    TaxDefault,
    TimeEntry,
)
from invoicing.sync import expense_mappers, mappers
from invoicing.sync.concurrent_reads import read_concurrently
from invoicing.sync.rates_store import (
    project_service_rates_store,
    service_rates_store,
    team_member_rates_store,
)
from invoicing.sync.store import mirror_upsert

logger = logging.getLogger(__name__)

# A person waits on these calls: fail fast and plan from the mirror rather than hang.
INTERACTIVE_TIMEOUT = (3.0, 10.0)
INTERACTIVE_ATTEMPTS = 2
INTERACTIVE_BACKOFF_CAP = 1.0


@dataclass(frozen=True)
class Freshness:
    """How fresh the data of a plan is; kept in the preview snapshot."""

    refreshed: bool
    at: str
    api_calls: int = 0
    entries_changed: int = 0
    rates_changed: int = 0
    expenses_changed: int = 0
    problem: str = ""
    last_synced_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.entries = 0
        self.rates = 0
        self.expenses = 0


def plan_inputs_refresh(
    *, business: ConnectedBusiness, period: Period, client_ids: Iterable[int] = ()
) -> Freshness:
    """Bring the mirror up to date for a plan of `period` (see the module docstring)."""
    now = timezone.now()
    last_success = _last_success(business)
    last_synced = last_success[1].isoformat() if last_success and last_success[1] else None
    since = changes_since(business)
    if since is None:
        return Freshness(
            refreshed=False,
            at=now.isoformat(),
            problem="The first sync of this business has not finished, so this plan uses the "
            "time synced so far.",
            last_synced_at=last_synced,
        )
    counter = _Counter()
    try:
        with api_client_for(
            business.connection.identity,
            timeout=INTERACTIVE_TIMEOUT,
            max_attempts=INTERACTIVE_ATTEMPTS,
            backoff_cap=INTERACTIVE_BACKOFF_CAP,
        ) as client:
            _changed_objects(client, business, since, counter)
            _involved_rates(client, business, period, list(client_ids), counter)
    except ReauthorizationRequired:
        problem = "FreshBooks access was lost, so this plan uses the data synced before."
    except FreshBooksError as error:
        logger.warning("fresh data for business %s failed: %s", business.pk, error)
        problem = "FreshBooks could not be reached, so this plan uses the data synced before."
    else:
        return Freshness(
            refreshed=True,
            at=now.isoformat(),
            api_calls=counter.calls,
            entries_changed=counter.entries,
            rates_changed=counter.rates,
            expenses_changed=counter.expenses,
            last_synced_at=last_synced,
        )
    return Freshness(
        refreshed=False,
        at=now.isoformat(),
        api_calls=counter.calls,
        problem=problem,
        last_synced_at=last_synced,
    )


def _last_success(business: ConnectedBusiness) -> tuple[datetime, datetime | None] | None:
    """(started_at, finished_at) of the business's last successful sync, if any."""
    last = (
        SyncRun.objects.filter(
            business=business, status=SyncRun.Status.SUCCEEDED, started_at__isnull=False
        )
        .order_by("-started_at")
        .values_list("started_at", "finished_at")
        .first()
    )
    if last is None or last[0] is None:
        return None
    return last[0], last[1]


def changes_since(business: ConnectedBusiness) -> datetime | None:
    """Where an incremental read starts: the start of the last successful sync, less the overlap."""
    last = _last_success(business)
    if last is None:
        return None
    return last[0] - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)


def _changed_objects(
    client: FreshBooksClient, business: ConnectedBusiness, since: datetime, counter: _Counter
) -> None:
    """Every page of the three listings of changes is read concurrently; pages of time entries are
    stored as they arrive, projects and clients once read."""

    def entry_page(number: int) -> list[Page]:
        pages = client.iter_time_entry_pages(
            business.business_id,
            updated_since=since,
            include_deleted=True,
            include_unlogged=True,
            team=True,
            start_page=number,
        )
        return [next(pages)]

    # The first page is read here: it says how many follow, and loads (or refreshes) the token
    # the other threads reuse.
    [first] = entry_page(1)
    later = range(first.page + 1, first.pages + 1) if first.items else range(0)
    reads: list[Callable[[], list[Page]]] = [
        lambda: [first],
        *(functools.partial(entry_page, number) for number in later),
        lambda: list(client.iter_project_pages(business.business_id, updated_since=since)),
        lambda: list(client.iter_client_pages(business.account_id, updated_min=since.date())),
    ]

    newest: dict[Any, datetime] = {}  # entry id → the latest `updated_at` stored

    def store_entries(index: int, pages: list[Page]) -> None:
        # Each page of entries is stored (one statement, in id order) while later ones are read.
        # Pages arrive in any order: an entry edited during the read may be on two of them, and
        # the older copy must not overwrite the newer one.
        if index > len(later):
            return
        for page in pages:
            counter.calls += 1
            fresher = [item for item in page.items if _not_older(newest, item)]
            counter.entries += _upsert(TimeEntry, business, fresher, mappers.time_entry_columns)

    *_, projects, clients = read_concurrently(reads, on_result=store_entries)
    for page in projects:
        counter.calls += 1
        _upsert(Project, business, page.items, mappers.project_columns)
    for page in clients:
        counter.calls += 1
        _upsert(Client, business, page.items, mappers.client_columns)
    if TaxDefault.objects.filter(business=business).exists():
        _changed_taxes(client, business, since, counter)
    _changed_expenses(client, business, since, counter)


def _changed_taxes(
    client: FreshBooksClient, business: ConnectedBusiness, since: datetime, counter: _Counter
) -> None:
    try:
        for page in client.iter_tax_pages(business.account_id, updated_min=since.date()):
            counter.calls += 1
            _upsert(Tax, business, page.items, expense_mappers.tax_columns)
    except PermissionDenied:
        pass  # a connection made before taxes were synced; the sync run says to reconnect


def _changed_expenses(
    client: FreshBooksClient, business: ConnectedBusiness, since: datetime, counter: _Counter
) -> None:
    """Live then deleted expenses changed since `since` (FreshBooks lists them apart)."""
    try:
        for deleted in (False, True):
            for page in client.iter_expense_pages(
                business.account_id, updated_min=since.date(), deleted=deleted
            ):
                counter.calls += 1
                counter.expenses += _upsert(
                    Expense, business, page.items, expense_mappers.expense_columns
                )
    except PermissionDenied:
        counter.calls += 1  # a connection without the expense scope: planned from the mirror


def _not_older(newest: dict[Any, datetime], item: dict[str, Any]) -> bool:
    """Whether `item` is at least as recent as any copy of it stored so far (and remember it).
    A copy without a readable `updated_at` is stored, as it always was."""
    try:
        updated = parse_utc_datetime(str(item.get("updated_at")))
    except ValueError:
        return True
    seen = newest.get(item.get("id"))
    if seen is not None and updated < seen:
        return False
    newest[item.get("id")] = updated
    return True


def _upsert(model, business: ConnectedBusiness, raws: list[dict[str, Any]], columns) -> int:
    if not raws:
        return 0
    with transaction.atomic():
        outcome = mirror_upsert(
            model=model,
            business=business,
            run_id=None,
            raws=raws,
            columns=columns,
            object_name=model._meta.model_name,
        )
    return outcome.added + outcome.updated + outcome.deleted


def _involved_rates(
    client: FreshBooksClient,
    business: ConnectedBusiness,
    period: Period,
    client_ids: list[int],
    counter: _Counter,
) -> None:
    start_utc, end_utc = period_bounds_utc(period, business.timezone or None)
    entries = TimeEntry.objects.filter(
        business=business,
        active=True,
        billed=False,
        billable=True,
        started_at__gte=start_utc,
        started_at__lt=end_utc,
        project_freshbooks_id__isnull=False,
    )
    if client_ids:
        entries = entries.filter(client_freshbooks_id__in=client_ids)
    used = set(entries.values_list("project_freshbooks_id", "service_freshbooks_id").distinct())
    methods = dict(
        Project.objects.filter(
            business=business, freshbooks_id__in={project for project, _ in used}
        ).values_list("freshbooks_id", "billing_method")
    )
    by_service = {project for project, method in methods.items() if method == "service_rate"}
    pairs: dict[int, set[int]] = {}
    for project_id, service_id in used:
        if project_id in by_service and service_id is not None:
            pairs.setdefault(project_id, set()).add(service_id)
    pair_list = [
        (project_id, service_id)
        for project_id, service_ids in sorted(pairs.items())
        for service_id in sorted(service_ids)
    ]
    bid = business.business_id
    team_rates = "team_member_rate" in methods.values()
    # Every read at once (each still paced by the rate gate), then stored in this thread.
    listings: list[Callable[[], Any]] = []
    if team_rates:
        listings.append(lambda: list(client.list_team_member_rates(bid)))
    if by_service:
        listings.append(lambda: list(client.list_service_rates(bid)))
    pair_reads = [
        functools.partial(client.get_project_service_rate, bid, project_id, service_id)
        for project_id, service_id in pair_list
    ]
    answered: list[Any] = read_concurrently([*listings, *pair_reads])
    listed, pair_rates = answered[: len(listings)], answered[len(listings) :]
    if team_rates:
        counter.calls += 1
        counter.rates += team_member_rates_store(business, listed.pop(0))
    if by_service:
        counter.calls += 1
        counter.rates += service_rates_store(business, listed.pop(0))
    answers: dict[int, dict[int, dict[str, Any] | None]] = {}
    for (project_id, service_id), raw in zip(pair_list, pair_rates, strict=True):
        answers.setdefault(project_id, {})[service_id] = raw
    for project_id, by_service_id in answers.items():
        counter.calls += len(by_service_id)
        counter.rates += project_service_rates_store(
            business, project_id, by_service_id, complete=False
        )


def freshness_of(snapshot: dict[str, Any]) -> Freshness | None:
    """The freshness a preview snapshot recorded (None for previews made before it was kept)."""
    recorded = snapshot.get("freshness")
    if not isinstance(recorded, dict):
        return None
    return Freshness(
        **{key: recorded[key] for key in Freshness.__dataclass_fields__ if key in recorded}
    )
