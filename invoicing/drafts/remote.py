"""The FreshBooks side of a draft: the invoice body, finding it again, billed flags."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections, transaction

from connections.freshbooks import FreshBooksClient, FreshBooksError, NotFound
from invoicing.models import DraftEntry, DraftExpense, DraftInvoice, Expense, TimeEntry

BILLED_BATCH = 25
# Billed-marking PUTs in flight at once for one draft, each still paced by the shared rate gate.
BILLED_CONCURRENCY = 8
DRAFT_STATUS = 1  # FreshBooks' numeric invoice status for a draft


def invoice_payload(draft: DraftInvoice) -> dict[str, Any]:
    """The invoice FreshBooks creates; `po_number` and `notes` carry the draft's reference.

    Built only after `planned → submitting` fixed the draft's invoice date.
    """
    if draft.invoice_date is None:
        raise ValueError(f"draft {draft.pk} has no invoice date: it is fixed before submitting")
    run = draft.run
    period = run.period_label
    return {
        "customerid": draft.client_freshbooks_id,
        "create_date": draft.invoice_date.isoformat(),
        "currency_code": draft.currency_code,
        "po_number": draft.reference,
        "notes": f"Time from {period}. Reference {draft.reference}.",
        "lines": invoice_lines(
            draft.lines.select_related("expense").order_by("position"), draft.currency_code
        ),
    }


def invoice_lines(lines: Iterable[Any], currency_code: str) -> list[dict[str, Any]]:
    """FreshBooks lines from anything with name, description, quantity, unit_cost and taxes
    (`LineTaxes`: `taxName1/taxAmount1`, `taxName2/taxAmount2`, `compounded_tax`).

    A draft line reserving an expense (its `expense`, a `DraftExpense`) is FreshBooks' expense
    line: `type: 1` with `expenseid` and the expense's own taxes; FreshBooks then marks the
    expense billed, and refuses the whole invoice if the expense cannot be billed any more.
    """
    payload = []
    for line in lines:
        body: dict[str, Any] = {
            "type": 0,
            "name": line.name,
            "description": line.description,
            "qty": str(line.quantity),
            "unit_cost": {"amount": str(line.unit_cost), "code": currency_code},
            **line.taxes.payload(),
        }
        expense = _expense_of(line)
        if expense is not None:
            body.update({"type": 1, "expenseid": expense.expense_freshbooks_id, **expense.taxes})
        payload.append(body)
    return payload


def _expense_of(line: Any) -> DraftExpense | None:
    try:
        expense = getattr(line, "expense", None)
    except DraftExpense.DoesNotExist:
        return None
    return expense if isinstance(expense, DraftExpense) else None


def expenses_mark_billed(draft: DraftInvoice) -> int:
    """The mirror shows the draft's expenses on its invoice, as FreshBooks now does (it marked
    them billed when the invoice took their lines). Idempotent; returns how many changed."""
    if draft.freshbooks_invoice_id is None:
        raise ValueError(f"draft {draft.pk} has no FreshBooks invoice to bill its expenses on")
    links = DraftExpense.objects.filter(draft=draft, voided=False, marked_billed=False)
    with transaction.atomic():
        changed = Expense.objects.filter(pk__in=links.values("expense_id")).update(
            invoice_freshbooks_id=draft.freshbooks_invoice_id, status=Expense.Status.INVOICED
        )
        links.update(marked_billed=True)
    return changed


def expenses_release(draft: DraftInvoice) -> int:
    """A voided draft's expenses are unbilled again in the mirror (FreshBooks released them when
    the invoice was deleted); the reservations are released by the caller's void."""
    links = DraftExpense.objects.filter(draft=draft)
    changed = 0
    if draft.freshbooks_invoice_id is not None:
        changed = Expense.objects.filter(
            pk__in=links.values("expense_id"), invoice_freshbooks_id=draft.freshbooks_invoice_id
        ).update(invoice_freshbooks_id=None, status=Expense.Status.OUTSTANDING)
    links.update(marked_billed=False)
    return changed


def carries_reference(invoice: dict[str, Any], reference: str) -> bool:
    return invoice.get("po_number") == reference or reference in str(invoice.get("notes") or "")


def invoices_with_reference(client: FreshBooksClient, draft: DraftInvoice) -> list[dict[str, Any]]:
    """The client's invoices of the draft's invoice date that carry its reference."""
    invoices = client.iter_invoices(
        draft.business.account_id,
        customer_id=draft.client_freshbooks_id,
        date_min=draft.invoice_date,
        date_max=draft.invoice_date,
    )
    return [invoice for invoice in invoices if carries_reference(invoice, draft.reference)]


def invoice_total(invoice: dict[str, Any]) -> Decimal | None:
    amount = invoice.get("amount")
    value = amount.get("amount") if isinstance(amount, dict) else amount
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def invoice_id(invoice: dict[str, Any]) -> int:
    return int(invoice.get("id") or invoice["invoiceid"])


def set_entries_billed(
    client: FreshBooksClient,
    draft: DraftInvoice,
    *,
    billed: bool,
    after_batch: Callable[[], None] = lambda: None,
) -> int:
    """Set `billed` in FreshBooks on the draft's entries not yet in that state; returns calls.

    Idempotent and resumable: progress is saved (link flag and mirror) every `BILLED_BATCH`
    answered PUTs and, when a call fails, for every PUT that answered before it, so a retry only
    touches what is left. An entry deleted in FreshBooks is
    skipped. Up to `BILLED_CONCURRENCY` PUTs are in flight at once and the next one starts as
    soon as one answers (no pause at a batch's end while its slowest call finishes).
    """
    pending = list(
        DraftEntry.objects.filter(draft=draft, marked_billed=not billed)
        .order_by("time_entry_freshbooks_id")
        .values_list("pk", "time_entry_id", "time_entry_freshbooks_id")
    )
    business_id = draft.business.business_id

    def put(entry_freshbooks_id: int) -> None:
        try:
            client.update_time_entry(business_id, entry_freshbooks_id, {"billed": billed})
        except NotFound:
            pass  # deleted in FreshBooks: nothing left to mark
        finally:
            if threading.current_thread() is not caller:
                connections.close_all()  # any this helper thread opened (a token refresh)

    caller = threading.current_thread()
    # Hours from outside FreshBooks (negative ids) are billed here only (invoicing.hours).
    answered = [row for row in pending if row[2] <= 0]
    remote = deque(row for row in pending if row[2] > 0)
    calls = 0
    if remote:
        # The first in this thread: it loads (or refreshes) the token the others reuse.
        row = remote.popleft()
        put(row[2])
        answered.append(row)
        calls += 1
    with ThreadPoolExecutor(max_workers=BILLED_CONCURRENCY) as pool:
        in_flight: dict[Future[None], tuple[int, int, int]] = {}
        try:
            while remote or in_flight:
                # Queued a little ahead of the threads, so none waits between two calls.
                while remote and len(in_flight) < 2 * BILLED_CONCURRENCY:
                    row = remote.popleft()
                    in_flight[pool.submit(put, row[2])] = row
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    row = in_flight.pop(future)
                    future.result()  # a failure stops here
                    answered.append(row)
                    calls += 1
                if len(answered) >= BILLED_BATCH:
                    _save_batch(answered, billed=billed)
                    answered = []
                    after_batch()
        except FreshBooksError:
            # What answered is billed in FreshBooks: keep it, so the retry redoes only the rest
            # (the calls still in flight are redone, PUTs are idempotent).
            _save_batch(answered, billed=billed)
            raise
        finally:
            for future in in_flight:
                future.cancel()  # those not started; the pool waits for the running ones
    if answered:
        _save_batch(answered, billed=billed)
        after_batch()
    return calls


def _save_batch(batch: list[tuple[int, int, int]], *, billed: bool) -> None:
    with transaction.atomic():
        DraftEntry.objects.filter(pk__in=[link for link, _, _ in batch]).update(
            marked_billed=billed
        )
        TimeEntry.objects.filter(pk__in=[entry for _, entry, _ in batch]).update(billed=billed)
