"""Drive one draft through planned → submitting → created → marking_billed → done.

Rules (billing.md "Creating drafts exactly once"):
- `planned → submitting` is committed before FreshBooks is called, with the invoice date fixed
  once, so every later lookup searches the same day.
- A draft found in `submitting` (timeout, 5xx, killed worker) is looked up by its reference
  first; found → adopted, not found → submitted again. The POST is never repeated blindly.
- A FreshBooks refusal (4xx) ends in `failed`; more than one invoice carrying the reference ends
  in `needs_attention`; anything transient keeps the state and asks the task to retry.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from connections.freshbooks import (
    AuthenticationError,
    FreshBooksClient,
    FreshBooksError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationError,
)
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from integration_app.enqueue import ADVANCE_DRAFT, enqueue_on_commit
from invoicing.drafts import remote
from invoicing.drafts.errors import DraftRetryLater, LeaseLost
from invoicing.drafts.lease import (
    draft_update,
    lease_claim,
    lease_heartbeat,
    lease_release,
    lease_renew,
    submit_timeout,
)
from invoicing.drafts.progress import RUN_DOCUMENTS, invoice_run_refresh
from invoicing.models import DraftInvoice
from invoicing.selectors import billing_context as billing_inputs

logger = logging.getLogger(__name__)

State = DraftInvoice.State
# FreshBooks answered and did not create the invoice: retrying the same body will not help.
REFUSALS = (ValidationError, NotFound, PermissionDenied, AuthenticationError)
RESUMABLE_STATES = (State.PLANNED, State.SUBMITTING, State.CREATED, State.MARKING_BILLED)
RECONNECT_MESSAGE = "FreshBooks access was lost; reconnect FreshBooks and this draft will resume."


def draft_advance(*, draft_id: int) -> DraftInvoice:
    """Take the draft as far as it can go now. Raises DraftRetryLater on transient failures."""
    draft = lease_claim(draft_id)
    if draft is None:
        logger.info("draft %s is leased by another worker; leaving it", draft_id)
        return DraftInvoice.objects.get(pk=draft_id)
    try:
        if draft.state in RESUMABLE_STATES:
            with lease_heartbeat(draft):
                _advance(draft)
    except LeaseLost:
        logger.warning("draft %s: lease lost to another worker", draft_id)
    finally:
        lease_release(draft)
        invoice_run_refresh(run_id=draft.run_id)
    draft.refresh_from_db()
    return draft


def _advance(draft: DraftInvoice) -> None:
    draft = (
        DraftInvoice.objects.select_related("business__connection__identity", "run")
        .defer(*(f"run__{name}" for name in RUN_DOCUMENTS))
        .get(pk=draft.pk)
    )
    try:
        with api_client_for(draft.business.connection.identity) as client:
            _steps(client, draft)
    except ReauthorizationRequired:
        draft_update(draft, error=RECONNECT_MESSAGE)
    except REFUSALS as error:
        # Outside submit (which handles its own refusals): a lookup or a billed-marking PUT.
        draft_update(
            draft, state=State.NEEDS_ATTENTION, error=f"FreshBooks refused a call: {error}"
        )
    except FreshBooksError as error:
        draft_update(draft, error=f"Interrupted, will retry: {error}"[:2000])
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        raise DraftRetryLater(str(error), retry_after=retry_after) from None


def _steps(client: FreshBooksClient, draft: DraftInvoice) -> None:
    while True:
        if draft.state == State.PLANNED:
            _submit(client, draft)
        elif draft.state == State.SUBMITTING:
            _reconcile_then_submit(client, draft)
        elif draft.state in (State.CREATED, State.MARKING_BILLED):
            _mark_billed(client, draft)
        else:
            return


def _submit(client: FreshBooksClient, draft: DraftInvoice) -> None:
    invoice_date = draft.invoice_date or billing_inputs.business_today(
        draft.business, timezone.now()
    )
    draft_update(
        draft,
        state=State.SUBMITTING,
        invoice_date=invoice_date,
        submit_attempts=draft.submit_attempts + 1,
    )
    try:
        invoice = client.create_invoice(
            draft.business.account_id,
            remote.invoice_payload(draft),
            # Sent only while the lease is ours, and answered (or given up) before it can end.
            before_attempt=lambda: lease_renew(draft),
            timeout=submit_timeout(),
        )
    except REFUSALS as error:
        draft_update(draft, state=State.FAILED, error=_refusal_message(error))
        return
    _adopt(draft, invoice)


def _refusal_message(error: FreshBooksError) -> str:
    message = f"FreshBooks refused the invoice: {error}"
    field = (error.field or "").lower()
    if "expense" in field or "expense" in error.message.lower():
        message += (
            " An expense on this draft was deleted, billed or changed in FreshBooks after the "
            "preview, so nothing was billed: void this draft to release its time and expenses, "
            "then preview again to bill them."
        )
    elif "customer" in field or "client" in error.message.lower():
        message += (
            " The client may have been deleted in FreshBooks: sync the business, then void "
            "this draft to release its time and bill it again."
        )
    return message[:2000]


def _reconcile_then_submit(client: FreshBooksClient, draft: DraftInvoice) -> None:
    if draft.invoice_date is None:  # never reached FreshBooks
        _submit(client, draft)
        return
    found = remote.invoices_with_reference(client, draft)
    if len(found) == 1:
        logger.info("draft %s: adopted invoice %s found by reference", draft.pk, found[0]["id"])
        _adopt(draft, found[0])
    elif not found:
        _submit(client, draft)
    else:
        ids = ", ".join(str(remote.invoice_id(invoice)) for invoice in found)
        draft_update(
            draft,
            state=State.NEEDS_ATTENTION,
            error=(
                f"FreshBooks holds {len(found)} invoices with reference {draft.reference} "
                f"(ids {ids}). Delete all but one in FreshBooks, then retry this draft."
            ),
        )


def _adopt(draft: DraftInvoice, invoice: dict) -> None:
    freshbooks_total = remote.invoice_total(invoice)
    if freshbooks_total is not None and freshbooks_total != draft.total:
        # Shown on the draft (both totals are kept); a bug in the rules, not a reason to stop.
        logger.error(
            "draft %s: FreshBooks total %s, planned %s", draft.pk, freshbooks_total, draft.total
        )
    draft_update(
        draft,
        state=State.CREATED,
        freshbooks_invoice_id=remote.invoice_id(invoice),
        freshbooks_invoice_number=str(invoice.get("invoice_number") or "")[:40],
        freshbooks_total=freshbooks_total,
        error="",
    )


def _mark_billed(client: FreshBooksClient, draft: DraftInvoice) -> None:
    if draft.state == State.CREATED:
        draft_update(draft, state=State.MARKING_BILLED)
    remote.expenses_mark_billed(draft)
    remote.set_entries_billed(client, draft, billed=True, after_batch=lambda: lease_renew(draft))
    draft_update(draft, state=State.DONE, error="")


def draft_give_up(*, draft_id: int, reason: str) -> DraftInvoice:
    """Retries are exhausted: a draft whose outcome is unknown needs a person."""
    draft = lease_claim(draft_id)
    if draft is None:
        return DraftInvoice.objects.get(pk=draft_id)
    try:
        if draft.state in RESUMABLE_STATES:
            # `draft.state` is the column's str, and TextChoices members are strs.
            outcomes: dict[str, str] = {
                State.PLANNED: "was never sent to FreshBooks",
                State.SUBMITTING: "may or may not exist in FreshBooks",
                State.CREATED: "exists in FreshBooks but its time is not marked billed",
                State.MARKING_BILLED: "exists in FreshBooks but some time is not marked billed",
            }
            outcome = outcomes[draft.state]
            draft_update(
                draft,
                state=State.NEEDS_ATTENTION,
                error=f"Gave up retrying: the invoice {outcome}. Last error: {reason}"[:2000],
            )
    finally:
        lease_release(draft)
        invoice_run_refresh(run_id=draft.run_id)
    return draft


def draft_retry(*, draft_id: int) -> DraftInvoice:
    """Put a failed or stuck draft back in line; it is looked up in FreshBooks before any POST."""

    draft = lease_claim(draft_id)
    if draft is None:
        return DraftInvoice.objects.get(pk=draft_id)
    try:
        if draft.state in (State.FAILED, State.NEEDS_ATTENTION):
            if draft.freshbooks_invoice_id:
                state = State.MARKING_BILLED
            elif draft.invoice_date:
                state = State.SUBMITTING
            else:
                state = State.PLANNED
            draft_update(draft, state=state, error="")
    finally:
        lease_release(draft)
    if draft.state in RESUMABLE_STATES:
        invoice_run_refresh(run_id=draft.run_id)
        enqueue_on_commit(ADVANCE_DRAFT, draft.pk)
    return draft
