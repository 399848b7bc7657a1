"""Void a draft, or release it when FreshBooks reports it deleted (re-billing is `rebill.py`).

Voiding deletes the FreshBooks invoice (which releases its expenses there), sets its entries
unbilled there, then in one transaction shows the expenses unbilled in the mirror, releases the
reservations and keeps the row as `voided` with who and why. FreshBooks calls come
first and each is idempotent, so an interrupted void is finished by voiding again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, FreshBooksError, NotFound
from connections.models import ConnectedBusiness
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from connections.webhooks import registry
from invoicing.drafts import remote
from invoicing.drafts.errors import (
    DraftBusy,
    ReconnectRequired,
    VoidInterrupted,
    VoidRefused,
)
from invoicing.drafts.lease import lease_claim, lease_release, lease_renew
from invoicing.drafts.plan import business_access_check
from invoicing.drafts.progress import invoice_run_refresh
from invoicing.models import DraftEntry, DraftExpense, DraftInvoice

logger = logging.getLogger(__name__)

State = DraftInvoice.State
STATUS_WORDS = {2: "sent", 3: "viewed", 4: "paid", 5: "auto-paid", 6: "retrying payment"}
REMOTE_DELETE_REASON = "The invoice was deleted in FreshBooks."


def draft_void(*, draft_id: int, user, reason: str) -> DraftInvoice:
    """Void a draft that FreshBooks still holds as a draft (or never created).

    Raises VoidRefused (sent, viewed or paid; or two invoices carry its reference), DraftBusy
    (a worker is on it), ReconnectRequired, and VoidInterrupted (retry to finish).
    """
    draft = _claim(draft_id)
    try:
        if draft.state == State.VOIDED:
            return draft
        business_access_check(draft.business)
        _release(draft, user=user, reason=reason, check_still_draft=True)
    finally:
        lease_release(draft)
        invoice_run_refresh(run_id=draft.run_id)
    return draft


def draft_release_on_remote_delete(
    *, business: ConnectedBusiness, invoice_id: int
) -> DraftInvoice | None:
    """FreshBooks said `invoice.delete`: if it is one of our drafts and really gone, release it.

    Webhooks are hints, so the invoice is re-read first. Returns the released draft, or None when
    the invoice is not ours or still exists. Raises DraftBusy (retry later), ReauthorizationRequired
    and FreshBooks errors for the webhook task to retry.
    """
    draft = (
        DraftInvoice.objects.filter(
            business__business_id=business.business_id, freshbooks_invoice_id=invoice_id
        )
        .exclude(state=State.VOIDED)
        .order_by("pk")
        .first()
    )
    if draft is None:
        return None
    draft = _claim(draft.pk)
    try:
        if draft.state == State.VOIDED:
            return None
        with api_client_for(draft.business.connection.identity) as client:
            invoice = _remote_invoice(client, draft, invoice_id)
            if invoice is not None and invoice.get("vis_state") != 1:
                logger.info("invoice.delete for invoice %s, but it still exists", invoice_id)
                return None
            _unbill_and_mark_voided(client, draft, user=None, reason=REMOTE_DELETE_REASON)
    finally:
        lease_release(draft)
        invoice_run_refresh(run_id=draft.run_id)
    return draft


def _claim(draft_id: int) -> DraftInvoice:
    draft = lease_claim(draft_id)
    if draft is None:
        raise DraftBusy(
            "FreshBooks is being updated for this draft right now; try again in a minute."
        )
    return DraftInvoice.objects.select_related("business__connection__identity", "run").get(
        pk=draft.pk
    )


def _release(draft: DraftInvoice, *, user, reason: str, check_still_draft: bool) -> None:
    try:
        with api_client_for(draft.business.connection.identity) as client:
            if draft.freshbooks_invoice_id is None and draft.invoice_date is not None:
                _settle_unknown_outcome(client, draft)
            if draft.freshbooks_invoice_id is not None:
                _delete_remote_draft(
                    client,
                    draft,
                    invoice_id=draft.freshbooks_invoice_id,
                    check_still_draft=check_still_draft,
                )
            _unbill_and_mark_voided(client, draft, user=user, reason=reason)
    except ReauthorizationRequired:
        raise ReconnectRequired(
            "FreshBooks access was lost. Reconnect FreshBooks, then void the draft again."
        ) from None
    except FreshBooksError as error:
        raise VoidInterrupted(
            f"FreshBooks did not answer as expected ({error}). What was done is kept; "
            "void again to finish."
        ) from None


def _settle_unknown_outcome(client: FreshBooksClient, draft: DraftInvoice) -> None:
    """A draft sent to FreshBooks without a recorded id: find out whether the invoice exists."""
    found = remote.invoices_with_reference(client, draft)
    if len(found) > 1:
        raise VoidRefused(
            f"FreshBooks holds {len(found)} invoices with reference {draft.reference}; delete "
            "the extra ones in FreshBooks first."
        )
    if found:
        draft.freshbooks_invoice_id = remote.invoice_id(found[0])
        draft.freshbooks_invoice_number = str(found[0].get("invoice_number") or "")[:40]
        draft.save(update_fields=["freshbooks_invoice_id", "freshbooks_invoice_number"])


def _remote_invoice(
    client: FreshBooksClient, draft: DraftInvoice, invoice_id: int
) -> dict[str, Any] | None:
    """The draft's FreshBooks invoice (`invoice_id`, its recorded id), or None when it is gone."""
    try:
        return client.get_invoice(draft.business.account_id, invoice_id, include_lines=False)
    except NotFound:
        return None


def _delete_remote_draft(
    client: FreshBooksClient, draft: DraftInvoice, *, invoice_id: int, check_still_draft: bool
) -> None:
    invoice = _remote_invoice(client, draft, invoice_id)
    if invoice is None or invoice.get("vis_state") == 1:
        return  # already deleted there (a previous, interrupted void or a FreshBooks user)
    status = invoice.get("status")
    if check_still_draft and status != remote.DRAFT_STATUS:
        known = STATUS_WORDS.get(status) if status is not None else None
        words = invoice.get("v3_status") or known or f"status {status}"
        raise VoidRefused(
            f"FreshBooks reports invoice {draft.freshbooks_invoice_number or draft.pk} as "
            f"{words}; only a draft can be voided. Handle it in FreshBooks (e.g. a credit note)."
        )
    client.delete_invoice(draft.business.account_id, invoice_id)


def _unbill_and_mark_voided(
    client: FreshBooksClient, draft: DraftInvoice, *, user, reason: str
) -> None:
    remote.set_entries_billed(client, draft, billed=False, after_batch=lambda: lease_renew(draft))
    with transaction.atomic():
        # FreshBooks released the expenses when the invoice was deleted; the mirror follows.
        remote.expenses_release(draft)
        DraftExpense.objects.filter(draft=draft).update(voided=True)
        DraftEntry.objects.filter(draft=draft).update(voided=True)
        draft.state = State.VOIDED
        draft.voided_by = user
        draft.voided_at = timezone.now()
        draft.void_reason = reason[:2000]
        draft.error = ""
        draft.save(
            update_fields=["state", "voided_by", "voided_at", "void_reason", "error", "updated_at"]
        )
    logger.info("draft %s voided: %s", draft.pk, reason)


def invoice_deleted_handle(*, business: ConnectedBusiness, noun: str, object_id: int) -> str:
    """Webhook ``invoice.delete``: release the draft's entries if the invoice is ours and gone.

    The invoice is re-read (the webhook is a hint). A draft a worker holds right now is retried
    with the delivery's backoff.
    """
    try:
        released = draft_release_on_remote_delete(business=business, invoice_id=object_id)
    except DraftBusy as error:
        raise registry.RetryLater(str(error)) from error
    return "released" if released is not None else "ignored"
