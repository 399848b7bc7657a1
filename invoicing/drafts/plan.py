"""Preview a run, then plan it: reserve the entries and insert the drafts in one transaction.

Planning re-reads the entries from the mirror under row locks (the business rows first, so two
runs of one business take turns), recomputes every number with `plan_drafts`, inserts one draft per
client with its lines and entry links, and enqueues one task per draft after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import ConnectedBusiness, FreshBooksIdentity
from integration_app.enqueue import ADVANCE_DRAFT, enqueue_on_commit
from invoicing.billing import (
    BillingOptions,
    BillingPlan,
    Catalog,
    DraftPlan,
    local_date,
)
from invoicing.drafts.errors import ReconnectRequired, RunNotCreatable
from invoicing.drafts.preview import preview_snapshot
from invoicing.models import DraftEntry, DraftInvoice, DraftLine, InvoiceRun, TimeEntry
from invoicing.selectors import billing_context as billing_inputs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Planned:
    plan: BillingPlan
    catalog: Catalog
    rows: dict[int, TimeEntry]


def business_access_check(business: ConnectedBusiness) -> None:
    """Raise ReconnectRequired unless FreshBooks can be called for this business."""
    connection = business.connection
    if not business.active or connection.disconnected_at is not None:
        raise ReconnectRequired(
            f"{business.name} is no longer connected; connect it again to create drafts."
        )
    if connection.identity.state != FreshBooksIdentity.State.ACTIVE:
        raise ReconnectRequired(
            "FreshBooks access for this business was lost. Reconnect FreshBooks, then create "
            "the drafts; nothing was created."
        )


def _plan(
    business: ConnectedBusiness,
    options: BillingOptions,
    client_ids: Iterable[int],
    *,
    lock: bool,
    replacing_draft_id: int | None = None,
) -> _Planned:
    entries = billing_inputs.candidate_entries(
        business, options, replacing_draft_id=replacing_draft_id
    )
    client_ids = list(client_ids)
    if client_ids:
        entries = entries.filter(client_freshbooks_id__in=client_ids)
    if lock:
        entries = entries.select_for_update()
    facts, rows = billing_inputs.entry_facts(
        business, list(entries), replacing_draft_id=replacing_draft_id
    )
    context = billing_inputs.billing_context_for(business)
    plan = billing_inputs.billing_plan(context, entries=facts, options=options)
    return _Planned(plan=plan, catalog=context.catalog, rows=rows)


def _snapshot(business: ConnectedBusiness, options: BillingOptions, planned: _Planned) -> dict:
    zone = business.timezone or None
    rows = planned.rows
    return preview_snapshot(
        plan=planned.plan,
        options=options,
        catalog=planned.catalog,
        entry_dates={
            entry_id: local_date(row.started_at, zone).isoformat() for entry_id, row in rows.items()
        },
        entry_seconds={entry_id: row.duration_seconds for entry_id, row in rows.items()},
    )


def invoice_run_preview(
    *,
    business: ConnectedBusiness,
    raw_options: Mapping[str, Any],
    user=None,
    trigger: str = InvoiceRun.Trigger.USER,
    client_ids: Iterable[int] = (),
    today: date | None = None,
    schedule=None,
    schedule_period: str = "",
    replacing_draft_id: int | None = None,
) -> InvoiceRun:
    """Compute and keep a preview. Raises BillingOptionsError (with the field) on bad options.

    `replacing_draft_id` (a re-bill): plan as if that draft's entries were free.
    """
    today = today or billing_inputs.business_today(business, timezone.now())
    options = billing_inputs.options_for(business, raw_options, today=today)
    client_ids = sorted(set(client_ids))
    planned = _plan(
        business, options, client_ids, lock=False, replacing_draft_id=replacing_draft_id
    )
    return InvoiceRun.objects.create(
        business=business,
        trigger=trigger,
        started_by=user,
        schedule=schedule,
        schedule_period=schedule_period,
        status=InvoiceRun.Status.PREVIEWED,
        options=billing_inputs.options_snapshot(options),
        period_start=options.period.start,
        period_end=options.period.end,
        client_freshbooks_ids=client_ids,
        preview=_snapshot(business, options, planned),
    )


def invoice_run_create(*, run_id: int, user=None) -> InvoiceRun:
    """Turn an approved preview into drafts. A second call (double click) changes nothing.

    Raises ReconnectRequired (nothing is created) and RunNotCreatable.
    """

    run = InvoiceRun.objects.select_related("business__connection__identity").get(pk=run_id)
    business = run.business
    business_access_check(business)
    try:
        with transaction.atomic():
            _lock_business(business)
            run = InvoiceRun.objects.select_for_update().get(pk=run_id)
            if run.status != InvoiceRun.Status.PREVIEWED:
                if run.status == InvoiceRun.Status.FAILED:
                    raise RunNotCreatable(f"Run #{run.pk} failed: {run.error}")
                return run
            _check_replaced_draft_voided(run)
            options = billing_inputs.options_from_snapshot(run.options)
            planned = _plan(business, options, run.client_freshbooks_ids, lock=True)
            drafts = [
                _reserve(run, draft_plan, planned.rows)
                for draft_plan in planned.plan.drafts_to_create
            ]
            now = timezone.now()
            run.status = InvoiceRun.Status.CREATING if drafts else InvoiceRun.Status.COMPLETED
            run.drafts_total = len(drafts)
            run.entries_reserved = sum(
                len(plan.entry_ids) for plan in planned.plan.drafts_to_create
            )
            run.submitted_at = now
            run.finished_at = None if drafts else now
            run.approved_by = user
            if not drafts:
                run.error = _nothing_to_create(planned.plan)
            run.save()
            for draft in drafts:
                enqueue_on_commit(ADVANCE_DRAFT, draft.pk)
    except IntegrityError:
        logger.warning("run %s collided with another run reserving the same time", run_id)
        InvoiceRun.objects.filter(pk=run_id, status=InvoiceRun.Status.PREVIEWED).update(
            status=InvoiceRun.Status.FAILED,
            error=(
                "Some of this time was put on another draft at the same moment, so nothing was "
                "created. Preview again to bill what is left."
            ),
            finished_at=timezone.now(),
        )
        return InvoiceRun.objects.get(pk=run_id)
    logger.info("run %s planned %s drafts", run.pk, run.drafts_total)
    return run


def _check_replaced_draft_voided(run: InvoiceRun) -> None:
    """A re-bill's replacement is created only once the draft it replaces is voided
    (`invoicing.drafts.rebill.draft_rebill_confirm` does both)."""
    if run.replaces_draft_id is None:
        return
    replaced = DraftInvoice.objects.filter(pk=run.replaces_draft_id).exclude(
        state=DraftInvoice.State.VOIDED
    )
    if replaced.exists():
        raise RunNotCreatable(
            f"This preview replaces draft #{run.replaces_draft_id}, which is still open: use "
            '"Void and create the replacement" so the old draft is voided first.'
        )


def _nothing_to_create(plan: BillingPlan) -> str:
    on_drafts = sum(1 for item in plan.not_billed if item.reason == "already_on_draft")
    if on_drafts:
        return (
            f"Nothing to create: {on_drafts} time entries of this period are already on drafts "
            "(another run took them first)."
        )
    if plan.drafts:
        return "Nothing to create: every draft is blocked (see the reasons in the preview)."
    return "Nothing to create: there is no unbilled time to bill in this period."


def _lock_business(business: ConnectedBusiness) -> None:
    """Serialise planning per FreshBooks business, across every local connection of it."""
    list(
        ConnectedBusiness.objects.select_for_update()
        .filter(business_id=business.business_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _reserve(run: InvoiceRun, draft_plan: DraftPlan, rows: dict[int, TimeEntry]) -> DraftInvoice:
    draft = DraftInvoice.objects.create(
        run=run,
        business=run.business,
        client_freshbooks_id=draft_plan.client_id,
        client_name=draft_plan.client_name[:255],
        currency_code=draft_plan.currency_code,
        unique_key=draft_plan.unique_key,
        total=draft_plan.total,
    )
    draft.reference = f"FBB-{draft.pk}-{draft_plan.unique_key[:8]}"
    draft.save(update_fields=["reference"])
    lines = DraftLine.objects.bulk_create(
        DraftLine(
            draft=draft,
            position=position,
            name=line.name[:255],
            description=line.description,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            amount=line.amount,
            rate_sources=list(line.rate_sources),
            raw_seconds=line.raw_seconds,
            billed_seconds=sum(line.billed_seconds.values()),
        )
        for position, line in enumerate(draft_plan.lines, start=1)
    )
    business_id = run.business.business_id
    DraftEntry.objects.bulk_create(
        DraftEntry(
            draft=draft,
            line=line_row,
            time_entry=rows[entry_id],
            business_freshbooks_id=business_id,
            time_entry_freshbooks_id=entry_id,
            raw_seconds=rows[entry_id].duration_seconds,
            billed_seconds=line.billed_seconds[entry_id],
        )
        for line_row, line in zip(lines, draft_plan.lines, strict=True)
        for entry_id in line.entry_ids
    )
    return draft


def invoice_run_start(
    *,
    business: ConnectedBusiness,
    raw_options: Mapping[str, Any],
    user=None,
    trigger: str = InvoiceRun.Trigger.USER,
    client_ids: Iterable[int] = (),
    today: date | None = None,
) -> InvoiceRun:
    """Preview and create in one go (no approval step), e.g. for API callers and tests."""
    run = invoice_run_preview(
        business=business,
        raw_options=raw_options,
        user=user,
        trigger=trigger,
        client_ids=client_ids,
        today=today,
    )
    return invoice_run_create(run_id=run.pk, user=user)
