"""What a drill checks at the end, from the app's rows and the sandbox's own state: invoice runs
and drafts done exactly once, the mirror equal to FreshBooks, webhook deliveries settled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def runs_unfinished(run_ids: Iterable[int]) -> int:
    from invoicing.models import InvoiceRun

    return InvoiceRun.objects.filter(
        pk__in=list(run_ids), status=InvoiceRun.Status.CREATING
    ).count()


def drafts_by_state(business) -> Counter:
    from invoicing.models import DraftInvoice

    return Counter(DraftInvoice.objects.filter(business=business).values_list("state", flat=True))


def invoice_invariants(sandbox, business) -> dict[str, int]:
    """The exactly-once figures, from the app's rows and the sandbox's own state:

    - ``drafts``, ``drafts_done``, ``drafts_not_done`` (any other state);
    - ``duplicate_invoices``: live sandbox invoices beyond one per draft reference, plus live
      invoices that carry no draft's reference;
    - ``missing_invoices``: done drafts without a live invoice carrying their reference;
    - ``entries_billed_twice``: time entries on more than one live draft;
    - ``entries_not_marked``: entries of done drafts that FreshBooks does not show as billed.
    """
    from invoicing.models import DraftEntry, DraftInvoice

    drafts = list(DraftInvoice.objects.filter(business=business))
    references = {draft.reference for draft in drafts if draft.reference}
    live = [
        invoice
        for invoice in sandbox.control.invoices(business.account_id)
        if invoice.get("vis_state") == 0
    ]
    by_reference = Counter(invoice.get("po_number") or "" for invoice in live)
    duplicates = sum(count - 1 for ref, count in by_reference.items() if ref in references)
    strays = sum(count for ref, count in by_reference.items() if ref not in references)
    done = [draft for draft in drafts if draft.state == DraftInvoice.State.DONE]
    missing = sum(1 for draft in done if by_reference.get(draft.reference, 0) == 0)
    links = DraftEntry.objects.filter(draft__business=business, voided=False)
    entry_ids = Counter(links.values_list("time_entry_freshbooks_id", flat=True))
    billed_in_sandbox = {
        entry["id"]
        for entry in sandbox.control.time_entries(business.business_id)
        if entry.get("billed")
    }
    done_entries = set(
        links.filter(draft__state=DraftInvoice.State.DONE).values_list(
            "time_entry_freshbooks_id", flat=True
        )
    )
    return {
        "drafts": len(drafts),
        "drafts_done": len(done),
        "drafts_not_done": len(drafts) - len(done),
        "invoices": len(live),
        "duplicate_invoices": duplicates + strays,
        "missing_invoices": missing,
        "entries_billed": len(entry_ids),
        "entries_billed_twice": sum(1 for count in entry_ids.values() if count > 1),
        "entries_not_marked": len(done_entries - billed_in_sandbox),
    }


def exactly_once(figures: dict[str, int]) -> bool:
    """Every draft done, one invoice each, no entry on two drafts, every billed entry marked."""
    return (
        figures["drafts"] > 0
        and figures["drafts_not_done"] == 0
        and figures["duplicate_invoices"] == 0
        and figures["missing_invoices"] == 0
        and figures["entries_billed_twice"] == 0
        and figures["entries_not_marked"] == 0
    )


# -- the mirror ----------------------------------------------------------------------------------


def mirror_differences(sandbox, business, *, billed: bool = True) -> dict[str, int]:
    """Time entries where the mirror and the sandbox disagree: ``missing`` (live in the sandbox,
    absent or inactive in the mirror), ``extra`` (active in the mirror, gone from the sandbox) and
    ``stale`` (different duration, note or, with ``billed``, billed flag)."""
    from invoicing.models import TimeEntry

    remote = {
        entry["id"]: entry
        for entry in sandbox.control.time_entries(business.business_id)
        if entry.get("active", True)  # FreshBooks keeps deleted entries, inactive
    }
    local = {
        row.freshbooks_id: row for row in TimeEntry.objects.filter(business=business, active=True)
    }
    stale = 0
    for entry_id in remote.keys() & local.keys():
        entry, row = remote[entry_id], local[entry_id]
        if (
            int(entry.get("duration") or 0) != int(row.duration_seconds)
            or (billed and bool(entry.get("billed")) != row.billed)
            or (entry.get("note") or "") != (row.note or "")
        ):
            stale += 1
    return {
        "missing": len(remote.keys() - local.keys()),
        "extra": len(local.keys() - remote.keys()),
        "stale": stale,
    }


def deliveries_by_status(business) -> Counter:
    from connections.models import WebhookDelivery

    return Counter(
        WebhookDelivery.objects.filter(business=business).values_list("status", flat=True)
    )


UNSETTLED_DELIVERY_STATES = ("pending", "processing", "on_hold")


def deliveries_unsettled(business) -> int:
    counts = deliveries_by_status(business)
    return sum(counts.get(state, 0) for state in UNSETTLED_DELIVERY_STATES)
