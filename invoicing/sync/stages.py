"""The stages of a sync, in order; each commits page by page with the run's progress."""

from __future__ import annotations

import functools
import math
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from connections.freshbooks import PermissionDenied
from connections.models import ConnectedBusiness
from integration_app.untrusted_text import storable_json
from invoicing.models import (
    Client,
    Expense,
    Project,
    ProjectServiceRate,
    Service,
    ServiceRate,
    SyncRun,
    Tax,
    TeamMember,
    TimeEntry,
)
from invoicing.sync import expense_mappers, lists, mappers
from invoicing.sync.context import SyncContext, walk
from invoicing.sync.readahead import ReadAhead
from invoicing.sync.store import (
    BatchOutcome,
    mirror_deactivate_unseen,
    mirror_delete_unseen,
    mirror_upsert,
)

# Project service rates read ahead of the project being stored.
RATES_AHEAD = 8

STAGES = (
    "clients",
    "team_members",
    "services",
    "service_rates",
    "projects",
    "project_service_rates",
    "time_entries",
    "taxes",
    "expenses",
    "deleted_expenses",
    "finalize",
)


def run_stages(*, run: SyncRun, business: ConnectedBusiness, client, keep_alive) -> None:
    current = (run.progress or {}).get("stage", STAGES[0])
    remaining = STAGES[STAGES.index(current) if current in STAGES else 0 :]
    with ReadAhead(throttled=lambda: client.rate_limited > 0) as reads:
        context = SyncContext(
            run=run, business=business, client=client, keep_alive=keep_alive, reads=reads
        )
        # The token is loaded (or refreshed) here, so the reads' threads find it in memory.
        client.authorize()
        lists.start_reads(context, remaining)
        for stage in remaining:
            STAGE_FUNCTIONS[stage](context)


def _one_read(context: SyncContext, stage: str):
    """The stage's unpaged read, made ahead by the run or now."""
    read = lists.ONE_READ[stage]
    reads = context.reads
    if reads is None:
        return read(context)
    return reads.result(
        reads.take(stage, lambda: reads.submit(lambda: read(context))), lambda: read(context)
    )


def sync_clients(context: SyncContext) -> None:
    walk(
        context,
        "clients",
        lists.pages(context, "clients"),
        model=Client,
        columns=mappers.client_columns,
        object_name="client",
    )


def sync_team_members(context: SyncContext) -> None:
    """Team members and their billable rates: small lists, always read whole."""
    business = context.business
    members, rates = _one_read(context, "team_members")
    with transaction.atomic():
        outcome = mirror_upsert(
            model=TeamMember,
            business=business,
            run_id=context.run.pk,
            raws=members,
            columns=mappers.team_member_columns,
            key="identity_id",
            object_name="team_member",
        )
        mirror_deactivate_unseen(model=TeamMember, business=business, run_id=context.run.pk)
        rate_by_identity: dict[int, Decimal] = {}
        for rate in rates:
            try:
                rate_by_identity[int(rate["identity_id"])] = mappers.rate_value(rate)
            except (mappers.Unusable, KeyError, TypeError, ValueError) as reason:
                outcome.skipped.append(
                    {"object": "team_member_rate", "id": None, "reason": str(reason)}
                )
        for member in TeamMember.objects.filter(business=business):
            billable_rate = rate_by_identity.get(member.identity_id)
            if member.billable_rate != billable_rate:
                member.billable_rate = billable_rate
                member.save(update_fields=["billable_rate"])
        calls = max(1, math.ceil(len(members) / 100)) + 1
        context.commit(stage="services", next_page=1, outcome=outcome, api_calls=calls)


def sync_services(context: SyncContext) -> None:
    walk(
        context,
        "services",
        lists.pages(context, "services"),
        model=Service,
        columns=mappers.service_columns,
        object_name="service",
    )
    mirror_deactivate_unseen(
        model=Service,
        business=context.business,
        run_id=context.run.pk,
        listed_since=context.run.started_at,
    )


def _service_rate_columns(raw):
    return {"service_freshbooks_id": int(raw["service_id"]), "rate": mappers.rate_value(raw)}


def sync_service_rates(context: SyncContext) -> None:
    business = context.business
    rates = _one_read(context, "service_rates")
    with transaction.atomic():
        outcome = mirror_upsert(
            model=ServiceRate,
            business=business,
            run_id=context.run.pk,
            raws=rates,
            columns=_service_rate_columns,
            key="service_freshbooks_id",
            object_name="service_rate",
        )
        mirror_delete_unseen(model=ServiceRate, business=business, run_id=context.run.pk)
        context.commit(stage="projects", next_page=1, outcome=outcome)


def sync_projects(context: SyncContext) -> None:
    walk(
        context,
        "projects",
        lists.pages(context, "projects"),
        model=Project,
        columns=mappers.project_columns,
        object_name="project",
    )


def sync_project_service_rates(context: SyncContext) -> None:
    """Per-project service rates have no list endpoint: one read per service of each
    `service_rate` project (every such project on a full sync, changed ones otherwise)."""
    business = context.business
    projects = Project.objects.filter(business=business, billing_method="service_rate")
    if not context.full:
        projects = projects.filter(seen_by_run_id=context.run.pk)
    project_rows = list(projects.order_by("freshbooks_id").values_list("freshbooks_id", "raw"))
    start = context.start_page("project_service_rates")

    projects_left = [
        (position, project_id, mappers.project_service_ids(raw))
        for position, (project_id, raw) in enumerate(project_rows[start - 1 :], start=start)
    ]
    reads = [
        functools.partial(
            context.client.get_project_service_rate, business.business_id, project_id, service_id
        )
        for _position, project_id, service_ids in projects_left
        for service_id in service_ids
    ]
    # One read per service, the next ones made while a project's rates are stored.
    rates_in_order = (
        (read() for read in reads)
        if context.reads is None
        else context.reads.in_order(reads, window=RATES_AHEAD)
    )
    for position, project_id, service_ids in projects_left:
        found = {}
        for service_id in service_ids:
            rate = next(rates_in_order)
            if rate is not None:
                found[service_id] = rate
        with transaction.atomic():
            ProjectServiceRate.objects.filter(
                business=business, project_freshbooks_id=project_id
            ).exclude(service_freshbooks_id__in=list(found)).delete()
            outcome = BatchOutcome()
            usable = []
            for service_id, rate in found.items():
                try:
                    value = mappers.rate_value(rate)
                except mappers.Unusable as reason:
                    outcome.skipped.append(
                        {"object": "project_service_rate", "id": project_id, "reason": str(reason)}
                    )
                    continue
                usable.append(
                    ProjectServiceRate(
                        business=business,
                        project_freshbooks_id=project_id,
                        service_freshbooks_id=service_id,
                        rate=value,
                        raw=storable_json(rate),
                        seen_by_run_id=context.run.pk,
                    )
                )
            existing = set(
                ProjectServiceRate.objects.filter(
                    business=business, project_freshbooks_id=project_id
                ).values_list("service_freshbooks_id", flat=True)
            )
            # One statement for the project's rates (in service order, as they were read).
            ProjectServiceRate.objects.bulk_create(
                usable,
                update_conflicts=True,
                unique_fields=["business", "project_freshbooks_id", "service_freshbooks_id"],
                update_fields=["rate", "raw", "seen_by_run_id"],
            )
            outcome.updated = sum(row.service_freshbooks_id in existing for row in usable)
            outcome.added = len(usable) - outcome.updated
            context.commit(
                stage="project_service_rates",
                next_page=position + 1,
                outcome=outcome,
                api_calls=len(service_ids),
            )


def sync_time_entries(context: SyncContext) -> None:
    walk(
        context,
        "time_entries",
        lists.pages(context, "time_entries"),
        model=TimeEntry,
        columns=mappers.time_entry_columns,
        object_name="time_entry",
    )


def _walk_if_granted(context: SyncContext, stage: str, next_stage: str, **arguments) -> None:
    """Connections made before expenses and taxes were synced lack their scopes (403): go on."""
    try:
        walk(context, stage, **arguments)
    except PermissionDenied:
        reason = f"FreshBooks did not allow reading {stage}: reconnect FreshBooks to bill them."
        outcome = BatchOutcome(skipped=[{"object": stage, "id": None, "reason": reason}])
        with transaction.atomic():
            context.commit(stage=next_stage, next_page=1, outcome=outcome)


def sync_taxes(context: SyncContext) -> None:
    _walk_if_granted(
        context,
        "taxes",
        "expenses",
        pages=lists.pages(context, "taxes"),
        model=Tax,
        columns=expense_mappers.tax_columns,
        object_name="tax",
    )


def _expenses(context: SyncContext, stage: str, next_stage: str) -> None:
    _walk_if_granted(
        context,
        stage,
        next_stage,
        pages=lists.pages(context, stage),
        model=Expense,
        columns=expense_mappers.expense_columns,
        object_name="expense",
    )


def sync_expenses(context: SyncContext) -> None:
    _expenses(context, "expenses", "deleted_expenses")


def sync_deleted_expenses(context: SyncContext) -> None:
    """Deleted since the last sync (listed apart); a full sync's finalize deactivates instead."""
    if not context.full:
        _expenses(context, "deleted_expenses", "finalize")


def finalize(context: SyncContext) -> None:
    """After a full listing, what FreshBooks no longer lists is gone there."""
    if not context.full:
        return
    business, run_id = context.business, context.run.pk
    with transaction.atomic():
        deleted = 0
        for model in (Client, Project, TimeEntry, Expense, Tax):
            deleted += mirror_deactivate_unseen(
                model=model,
                business=business,
                run_id=run_id,
                listed_since=context.run.started_at,
                # Hours from outside FreshBooks are never in its listing (invoicing.hours).
                scope=Q(source=TimeEntry.Source.FRESHBOOKS) if model is TimeEntry else None,
            )
        deleted += mirror_delete_unseen(model=ProjectServiceRate, business=business, run_id=run_id)
        context.commit(
            stage="finalize", next_page=1, outcome=BatchOutcome(deleted=deleted), api_calls=0
        )


STAGE_FUNCTIONS = {
    "clients": sync_clients,
    "team_members": sync_team_members,
    "services": sync_services,
    "service_rates": sync_service_rates,
    "projects": sync_projects,
    "project_service_rates": sync_project_service_rates,
    "time_entries": sync_time_entries,
    "taxes": sync_taxes,
    "expenses": sync_expenses,
    "deleted_expenses": sync_deleted_expenses,
    "finalize": finalize,
}
