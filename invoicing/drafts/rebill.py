"""Void and re-bill a draft as one safe step: the replacement is previewed first, and the old
draft is voided only when the user confirms that preview, right before the replacement is created.

1. `draft_rebill_preview`: plan the draft's client again with the chosen options, as if the
   draft's entries were free (they are still reserved by it), and keep the preview as a re-bill
   run naming the draft it replaces and why. Nothing is voided, nothing is reserved and FreshBooks
   is not called.
2. `draft_rebill_confirm`: void the old draft (`draft_void`: deleted in FreshBooks, its entries
   unbilled there and in the mirror, its reservations released, who and why kept), then create
   the replacement from the confirmed run (`invoice_run_create`: planned again under locks,
   reserved, enqueued), like any run.

Exactly once: until the void commits, the old draft is the only reservation of its entries; after
it, the replacement reserves them under the same database constraint as any run, so no entry is
ever on two open drafts. When the void fails, nothing changed (or an interrupted void resumes on the
next confirm). When the creation fails after the void, `ReplacementNotCreated` says so: the time
is unbilled and billable, nothing is lost, and the run page offers to create the replacement again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from invoicing.drafts.errors import (
    DraftError,
    RebillRefused,
    ReplacementNotCreated,
    RunNotCreatable,
)
from invoicing.drafts.plan import invoice_run_create, invoice_run_preview
from invoicing.drafts.void import draft_void
from invoicing.models import DraftInvoice, InvoiceRun

logger = logging.getLogger(__name__)

State = DraftInvoice.State


def draft_rebill_preview(
    *,
    draft_id: int,
    user,
    reason: str,
    raw_options: Mapping[str, Any],
    today: date | None = None,
) -> InvoiceRun:
    """The replacement preview of a draft's client, kept as a re-bill run; the draft stays as is.

    Raises RebillRefused for a voided draft and BillingOptionsError (with the field) on bad options.
    """
    draft = DraftInvoice.objects.select_related("business").get(pk=draft_id)
    if draft.state == State.VOIDED:
        raise RebillRefused(
            f"Draft #{draft.pk} is already voided, so its time is billable again: preview a new "
            "run to bill it."
        )
    run = invoice_run_preview(
        business=draft.business,
        raw_options=raw_options,
        user=user,
        trigger=InvoiceRun.Trigger.REBILL,
        client_ids=[draft.client_freshbooks_id],
        today=today,
        replacing_draft_id=draft.pk,
    )
    # A crash between these two writes leaves a plain preview, which cannot take the entries the
    # draft still reserves: harmless.
    run.replaces_draft = draft
    run.rebill_reason = reason[:2000]
    run.save(update_fields=["replaces_draft", "rebill_reason"])
    return run


def draft_rebill_confirm(*, run_id: int, user) -> InvoiceRun:
    """Void the draft a re-bill run replaces, then create the replacement. Pressing it again
    changes nothing once the replacement exists.

    Raises the void's DraftError (VoidRefused, DraftBusy, ReconnectRequired, VoidInterrupted:
    no replacement was created and, but for an interrupted void that the next confirm resumes,
    the old draft is untouched), RebillRefused (another re-bill already replaced the draft),
    RunNotCreatable (not a re-bill) and ReplacementNotCreated (the old draft was voided, the
    replacement was not; the run keeps why).
    """
    run = InvoiceRun.objects.select_related("replaces_draft").get(pk=run_id)
    draft = run.replaces_draft
    if draft is None:
        raise RunNotCreatable(f"Run #{run.pk} does not replace a draft.")
    if run.status != InvoiceRun.Status.PREVIEWED:
        return run
    replaced_by = (
        InvoiceRun.objects.filter(replaces_draft=draft, drafts_total__gt=0)
        .exclude(pk=run.pk)
        .order_by("pk")
        .first()
    )
    if replaced_by is not None:
        raise RebillRefused(
            f"Draft #{draft.pk} was already replaced in run #{replaced_by.pk}; this preview is "
            "not needed any more."
        )
    draft_void(draft_id=draft.pk, user=user, reason=run.rebill_reason or "Re-billed.")
    try:
        run = invoice_run_create(run_id=run.pk, user=user)
    except DraftError as error:
        logger.warning("re-bill run %s: draft %s voided, replacement not created", run.pk, draft.pk)
        raise ReplacementNotCreated(_voided_but_not_replaced(draft, error.message)) from error
    if not run.drafts_total:
        raise ReplacementNotCreated(
            _voided_but_not_replaced(draft, run.error or "the new plan holds no draft.")
        )
    logger.info("re-bill run %s: draft %s voided, replacement planned", run.pk, draft.pk)
    return run


def _voided_but_not_replaced(draft: DraftInvoice, why: str) -> str:
    return (
        f"Draft #{draft.pk} for {draft.client_name} was voided and its time is unbilled and "
        f"billable again, but the replacement could not be created: {why} Nothing is lost: "
        "create the replacement again, or preview a new run to bill the time."
    )
