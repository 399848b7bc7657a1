"""Preview a run, then plan it: reserve the entries and insert the drafts in one transaction.

Both start from fresh data (`invoicing.sync.fresh`: the time entries changed since the last sync and
the rates of the projects and services involved are re-read from FreshBooks first).

Planning re-reads the entries from the mirror under row locks (the business rows first, so two
runs of one business take turns), recomputes every number with `plan_drafts`, inserts one draft per
client with its lines and entry links, and enqueues one task per draft after commit. When the new
plan differs from the preview the user saw, nothing is created: the new plan waits on the run
(`replanned`) until the user has seen the differences and confirmed it as the new preview.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from connections.models import ConnectedBusiness, FreshBooksIdentity
from integration_app.enqueue import ADVANCE_DRAFT, enqueue_on_commit
from invoicing.billing import (
    BillingOptions,
    BillingPlan,
    DraftPlan,
)
from invoicing.drafts.errors import (
    PreviewClosed,
    ReconnectRequired,
    RunNotCreatable,
)
from invoicing.drafts.reserve import drafts_reserve
from invoicing.models import DraftInvoice, InvoiceRun
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors.preview_changes import preview_changes
from invoicing.selectors.preview_pages import preview_fields
from invoicing.selectors.previews import plan_for, snapshot_of
from invoicing.sync.fresh import plan_inputs_refresh

logger = logging.getLogger(__name__)


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


def _fresh(
    business: ConnectedBusiness, options: BillingOptions, client_ids: Iterable[int], refresh: bool
) -> dict[str, Any] | None:
    if not refresh:
        return None
    freshness = plan_inputs_refresh(
        business=business, period=options.period, client_ids=list(client_ids)
    )
    return freshness.as_dict()


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
    refresh: bool = True,
) -> InvoiceRun:
    """Compute and keep a preview from fresh data (`refresh=False`: from the mirror as it is).

    `replacing_draft_id` (a re-bill): plan as if that draft's entries were free.
    Raises BillingOptionsError (with the field) on bad options.
    """
    today = today or billing_inputs.business_today(business, timezone.now())
    options = billing_inputs.options_for(business, raw_options, today=today)
    client_ids = sorted(set(client_ids))
    freshness = _fresh(business, options, client_ids, refresh)
    planned = plan_for(
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
        **preview_fields(snapshot_of(business, options, planned, freshness)),
    )


def invoice_run_create(
    *, run_id: int, user=None, confirm_changes: bool = True, refresh: bool = True
) -> InvoiceRun:
    """Turn an approved preview into drafts. A second call (double click) changes nothing.

    Plans again from fresh data under the business lock. With `confirm_changes` (a person saw the
    preview), a plan that differs from it creates nothing: it is kept as `run.replanned` for the
    user to review and confirm (`invoice_run_replan_confirm`). Without (a schedule creating at
    once), the new plan is created.

    Raises ReconnectRequired (nothing is created), RunNotCreatable and PreviewClosed.
    """

    run = InvoiceRun.objects.select_related("business__connection__identity").get(pk=run_id)
    business = run.business
    business_access_check(business)
    freshness = None
    if run.status == InvoiceRun.Status.PREVIEWED:
        options = billing_inputs.options_from_snapshot(run.options)
        freshness = _fresh(business, options, run.client_freshbooks_ids, refresh)
    try:
        with transaction.atomic():
            _lock_business(business)
            run = InvoiceRun.objects.select_for_update().get(pk=run_id)
            if run.status != InvoiceRun.Status.PREVIEWED:
                if run.status == InvoiceRun.Status.FAILED:
                    raise RunNotCreatable(f"Run #{run.pk} failed: {run.error}")
                if run.status == InvoiceRun.Status.DISCARDED:
                    raise PreviewClosed(
                        "This preview was discarded, so nothing was created. Make a new preview "
                        "to bill this time."
                    )
                return run
            _check_replaced_draft_voided(run)
            options = billing_inputs.options_from_snapshot(run.options)
            planned = plan_for(business, options, run.client_freshbooks_ids, lock=True)
            snapshot = snapshot_of(business, options, planned, freshness)
            if confirm_changes and preview_changes(run.preview, snapshot):
                run.replanned = snapshot
                run.save(update_fields=["replanned"])
                logger.info("run %s: the plan changed since the preview; nothing created", run.pk)
                return run
            run.replanned = {}
            if freshness is not None:
                run.preview = {**run.preview, "freshness_at_create": freshness}
            drafts = drafts_reserve(
                run, planned.plan.drafts_to_create, planned.rows, planned.expense_rows
            )
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
            # The preview itself (megabytes at thousands of entries) is not sent back whole: only
            # the freshness note is added to it, in the database.
            run.save(update_fields=CREATE_FIELDS)
            if freshness is not None:
                _note_freshness_at_create(run, freshness)
            for draft in _largest_first(drafts, planned.plan.drafts_to_create):
                enqueue_on_commit(ADVANCE_DRAFT, draft.pk)
    except IntegrityError:
        logger.warning("run %s collided with another run reserving the same time", run_id)
        InvoiceRun.objects.filter(pk=run_id, status=InvoiceRun.Status.PREVIEWED).update(
            status=InvoiceRun.Status.FAILED,
            error=(
                "Some of this time or these expenses were put on another draft at the same "
                "moment, so nothing was created. Preview again to bill what is left."
            ),
            finished_at=timezone.now(),
        )
        return InvoiceRun.objects.get(pk=run_id)
    logger.info("run %s planned %s drafts", run.pk, run.drafts_total)
    return run


# What "Create drafts" changes on the run, besides the freshness note added to its preview.
CREATE_FIELDS = [
    "replanned",
    "status",
    "drafts_total",
    "entries_reserved",
    "submitted_at",
    "finished_at",
    "approved_by",
    "error",
]


def _note_freshness_at_create(run: InvoiceRun, freshness: dict[str, Any]) -> None:
    """`preview["freshness_at_create"] = freshness` in one UPDATE that sends only the note."""
    quote = connection.ops.quote_name
    table, column = InvoiceRun._meta.db_table, InvoiceRun._meta.get_field("preview").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} || "  # noqa: S608
            "jsonb_build_object('freshness_at_create', %s::jsonb) WHERE id = %s",
            [json.dumps(freshness), run.pk],
        )


def _largest_first(drafts: list[DraftInvoice], plans: Sequence[DraftPlan]) -> list[DraftInvoice]:
    """The order drafts are queued in: with more drafts than workers, the one with the most
    entries to mark billed should not start last and hold the whole run up."""
    sizes = {draft.pk: len(plan.entry_ids) for draft, plan in zip(drafts, plans, strict=True)}
    return sorted(drafts, key=lambda draft: -sizes[draft.pk])


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
    return "Nothing to create: there is no unbilled time or expense to bill in this period."


def _lock_business(business: ConnectedBusiness) -> None:
    """Serialise planning per FreshBooks business, across every local connection of it."""
    list(
        ConnectedBusiness.objects.select_for_update()
        .filter(business_id=business.business_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


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
    # The preview has just read fresh data: the drafts are created from it without a second read.
    return invoice_run_create(run_id=run.pk, user=user, confirm_changes=False, refresh=False)
