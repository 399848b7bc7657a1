"""What each stage of a sync reads from FreshBooks, so a run can start every read at its start.

Lists are walked page by page (``pages(context, stage)(start_page)``); the small unpaged reads
(team members and their rates, service rates) are one call each. ``start_reads`` begins all the
reads of the stages a run has left (`invoicing.sync.readahead`); each stage then takes its own, in
order, and stores it as before. A stage whose reads were not started reads them itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from connections.freshbooks import Page
from invoicing.sync.context import SyncContext

Pages = Callable[[int], Iterator[Page]]


def _clients(context: SyncContext) -> Pages:
    since = context.since
    return lambda start: context.client.iter_client_pages(
        context.business.account_id,
        updated_min=since.date() if since else None,
        start_page=start,
    )


def _services(context: SyncContext) -> Pages:
    return lambda start: context.client.iter_service_pages(
        context.business.business_id, start_page=start
    )


def _projects(context: SyncContext) -> Pages:
    since = context.since
    return lambda start: context.client.iter_project_pages(
        context.business.business_id, updated_since=since, start_page=start
    )


def _time_entries(context: SyncContext) -> Pages:
    since = context.since
    return lambda start: context.client.iter_time_entry_pages(
        context.business.business_id,
        updated_since=since,
        include_deleted=True,
        include_unlogged=True,
        team=True,
        start_page=start,
    )


def _taxes(context: SyncContext) -> Pages:
    since = context.since
    return lambda start: context.client.iter_tax_pages(
        context.business.account_id,
        updated_min=since.date() if since else None,
        start_page=start,
    )


def _expenses(deleted: bool) -> Callable[[SyncContext], Pages]:
    def pages(context: SyncContext) -> Pages:
        since = context.since
        return lambda start: context.client.iter_expense_pages(
            context.business.account_id,
            updated_min=since.date() if since else None,
            deleted=deleted,
            start_page=start,
        )

    return pages


LISTS: dict[str, Callable[[SyncContext], Pages]] = {
    "clients": _clients,
    "services": _services,
    "projects": _projects,
    "time_entries": _time_entries,
    "taxes": _taxes,
    "expenses": _expenses(False),
    "deleted_expenses": _expenses(True),
}


def pages(context: SyncContext, stage: str) -> Pages:
    return LISTS[stage](context)


def team_members_read(context: SyncContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The members (every page) and their rates: two small reads."""
    business_id = context.business.business_id
    members = list(context.client.iter_team_members(business_id))
    return members, context.client.list_team_member_rates(business_id)


def service_rates_read(context: SyncContext) -> list[dict[str, Any]]:
    return context.client.list_service_rates(context.business.business_id)


ONE_READ: dict[str, Callable[[SyncContext], Any]] = {
    "team_members": team_members_read,
    "service_rates": service_rates_read,
}


def start_reads(context: SyncContext, stages: tuple[str, ...]) -> None:
    """Begin the reads of ``stages`` (those the run has left, in order) on the run's pool.

    Deleted expenses are listed apart only by an incremental sync (a full one deactivates
    instead); project service rates depend on the projects stored first, so their stage reads
    them itself."""
    reads = context.reads
    if reads is None:
        return
    first = True  # the run's first call is made in its own thread, before any other
    for stage in stages:
        if stage == "deleted_expenses" and context.full:
            continue
        if stage in LISTS:
            listed = pages(context, stage)
            start = context.start_page(stage)
            reads.start(stage, functools.partial(reads.pages, listed, start, first_here=first))
        elif stage in ONE_READ:
            read = functools.partial(ONE_READ[stage], context)
            start_read = reads.here if first else reads.submit
            reads.start(stage, functools.partial(start_read, read))
        else:
            continue
        first = False
