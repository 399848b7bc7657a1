"""What a person does with a preview: choose what it bills, confirm a re-plan, discard it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from invoicing.drafts.errors import (
    PreviewClosed,
    SelectionRefused,
)
from invoicing.drafts.plan import _fresh
from invoicing.models import InvoiceRun
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors.preview_pages import preview_fields
from invoicing.selectors.previews import (
    plan_for,
    preview_entry_ids,
    preview_line_entries,
    selection_left_out,
    snapshot_of,
)

logger = logging.getLogger(__name__)


def invoice_run_replan_confirm(*, run_id: int, user=None) -> InvoiceRun:
    """The plan "Create drafts" found becomes the run's preview; the user reviews it again."""
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if run.status != InvoiceRun.Status.PREVIEWED:
            raise PreviewClosed("This run is no longer a preview; there is nothing to confirm.")
        if run.replanned:
            fields = preview_fields(run.replanned)
            for name, value in fields.items():
                setattr(run, name, value)
            run.replanned = {}
            run.save(update_fields=[*fields, "replanned"])
    logger.info("run %s: the new plan was confirmed as the preview by %s", run_id, user)
    return run


def invoice_run_discard(*, run_id: int, user=None) -> InvoiceRun:
    """A preview nobody will create is set aside; it stays for the audit. Discarding twice is
    harmless; a run whose drafts were created cannot be discarded (PreviewClosed)."""
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if run.status == InvoiceRun.Status.DISCARDED:
            return run
        if run.status != InvoiceRun.Status.PREVIEWED:
            raise PreviewClosed(
                "This run already created drafts, so it cannot be discarded; void its drafts "
                "instead."
            )
        now = timezone.now()
        run.status = InvoiceRun.Status.DISCARDED
        run.discarded_at = now
        run.discarded_by = user
        run.finished_at = now
        run.replanned = {}
        run.save(
            update_fields=["status", "discarded_at", "discarded_by", "finished_at", "replanned"]
        )
    return run


def invoice_run_select(
    *,
    run_id: int,
    shown_entry_ids: Iterable[int],
    billed_entry_ids: Iterable[int],
    billed_lines: Iterable[str],
    user=None,
    refresh: bool = True,
) -> InvoiceRun:
    """Apply what the user ticked on a preview, then preview again (from fresh data).

    `shown_entry_ids`: the entries the page showed with a tick box; `billed_entry_ids`: those left
    ticked; `billed_lines`: the line keys ("<draft>-<line>") left ticked: an entry is billed only
    when it and its line are ticked. An id or key the preview does not show is refused
    (SelectionRefused) and nothing is saved.
    """
    run = InvoiceRun.objects.select_related("business__connection__identity").get(pk=run_id)
    if run.status != InvoiceRun.Status.PREVIEWED:
        raise PreviewClosed("This run is no longer a preview; its choices cannot change.")
    shown, billed, billed_lines = set(shown_entry_ids), set(billed_entry_ids), list(billed_lines)
    offered = preview_entry_ids(run.preview)
    lines = preview_line_entries(run.preview)
    unknown = sorted((shown | billed) - offered)
    if unknown:
        listed = ", ".join(f"#{entry_id}" for entry_id in unknown[:5])
        raise SelectionRefused(
            f"Time entr{'y' if len(unknown) == 1 else 'ies'} {listed} "
            f"{'is' if len(unknown) == 1 else 'are'} not in this preview, so nothing was "
            "changed. Reload the preview and choose again."
        )
    unknown_lines = sorted(set(billed_lines) - lines.keys())
    if unknown_lines:
        raise SelectionRefused(
            f"Line {unknown_lines[0]} is not in this preview, so nothing was changed. Reload the "
            "preview and choose again."
        )
    if not billed <= shown:
        raise SelectionRefused("A ticked entry was not shown on the page; nothing was changed.")
    left_out = selection_left_out(
        run.preview, shown_entry_ids=shown, billed_entry_ids=billed, billed_lines=billed_lines
    )
    excluded = (set(run.options.get("excluded_entry_ids", [])) - shown) | left_out
    business = run.business
    raw = {
        **{
            key: value
            for key, value in run.options.items()
            if key not in ("period_start", "period_end")
        },
        "period": "custom",
        "start": run.options["period_start"],
        "end": run.options["period_end"],
        "excluded_entry_ids": sorted(excluded),
    }
    today = date.fromisoformat(run.options["period_end"])
    options = billing_inputs.options_for(business, raw, today=today)
    freshness = _fresh(business, options, run.client_freshbooks_ids, refresh)
    planned = plan_for(
        business,
        options,
        run.client_freshbooks_ids,
        lock=False,
        replacing_draft_id=run.replaces_draft_id,
    )
    snapshot = snapshot_of(business, options, planned, freshness)
    with transaction.atomic():
        locked = InvoiceRun.objects.select_for_update().get(pk=run_id)
        if locked.status != InvoiceRun.Status.PREVIEWED:
            raise PreviewClosed("This run is no longer a preview; its choices cannot change.")
        locked.options = billing_inputs.options_snapshot(options)
        fields = preview_fields(snapshot)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.replanned = {}
        locked.save(update_fields=["options", *fields, "replanned"])
    logger.info("run %s: %s entries left out by %s", run_id, len(excluded), user)
    return locked
