"""Read queries over invoice runs, drafts and a business's invoice settings, for views and admin.

Every function takes an already-authorised business, so another user's run or draft id is a 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness
from invoicing.models import DraftInvoice, DraftLine, InvoiceRun, InvoiceSchedule
from invoicing.money_format import format_money

RUNS_LISTED = 50
ERROR_SHOWN_CHARS = 200

State = DraftInvoice.State
Status = InvoiceRun.Status
# Badge tones of draft states and run statuses (keyed by str: the columns hold strs).
DRAFT_TONES: dict[str, str] = {
    State.DONE: "ok",
    State.FAILED: "error",
    State.NEEDS_ATTENTION: "error",
    State.VOIDED: "muted",
}
RUN_TONES: dict[str, str] = {
    Status.COMPLETED: "ok",
    Status.FAILED: "error",
    Status.COMPLETED_WITH_ERRORS: "error",
    Status.CREATING: "warn",
}
FAILED_STATES = (State.FAILED, State.NEEDS_ATTENTION)
# FreshBooks holds the draft's invoice (or held it, for a voided one).
IN_FRESHBOOKS_STATES = (State.CREATED, State.MARKING_BILLED, State.DONE)
# Runs that created drafts (or tried to); previews and discarded previews are listed apart.
NOT_CREATING = (InvoiceRun.Status.PREVIEWED, InvoiceRun.Status.DISCARDED)


def invoice_run_for(business: ConnectedBusiness, run_pk: int) -> InvoiceRun:
    return get_object_or_404(
        InvoiceRun.objects.select_related("started_by", "approved_by", "replaces_draft__voided_by"),
        pk=run_pk,
        business=business,
    )


def invoice_run_page_for(business: ConnectedBusiness, run_pk: int) -> InvoiceRun:
    """`invoice_run_for` for the run page: without the full preview and re-plan documents (a
    preview of 100,000 entries is megabytes); the page reads `preview_page`."""
    return get_object_or_404(
        InvoiceRun.objects.select_related("started_by", "approved_by", "replaces_draft__voided_by")
        .defer("preview", "replanned")
        .annotate(has_replanned=~Q(replanned={})),
        pk=run_pk,
        business=business,
    )


def open_preview_for(business: ConnectedBusiness, run_pk: object) -> InvoiceRun | None:
    """The business's run `run_pk` if it is still a preview; None for anything else (a stale,
    foreign or malformed id in a fix link's `preview=` is ignored, never an error)."""
    try:
        pk = int(str(run_pk))
    except ValueError:
        return None
    if not 0 < pk < 2**63:
        return None
    return InvoiceRun.objects.filter(
        business=business, pk=pk, status=InvoiceRun.Status.PREVIEWED
    ).first()


def rebill_run_for(business: ConnectedBusiness, draft: DraftInvoice, run_pk: int) -> InvoiceRun:
    """A re-bill run of `business` that replaces `draft`; anything else is a 404."""
    return get_object_or_404(
        InvoiceRun.objects.select_related("replaces_draft"),
        pk=run_pk,
        business=business,
        replaces_draft=draft,
    )


def replacement_runs_of(draft: DraftInvoice) -> list[InvoiceRun]:
    """The re-bill runs made for a draft (previews waiting, or the one that replaced it)."""
    return list(draft.replacement_runs.order_by("-created_at", "-pk"))


def freshbooks_invoice_url(account_id: str, invoice_id: int | None) -> str:
    """The page of a FreshBooks invoice ("" when there is none): FreshBooks' own, or the
    sandbox's invoice page when the app uses the sandbox (FRESHBOOKS_INVOICE_URL_TEMPLATE)."""
    if not invoice_id:
        return ""
    return settings.FRESHBOOKS_INVOICE_URL_TEMPLATE.format(
        account_id=account_id, invoice_id=invoice_id
    )


def money_text(amount: Decimal, currency_code: str) -> str:
    """An amount as people read it in its currency ("$1,234.00", "CA$980.00")."""
    return format_money(amount, currency_code)


@dataclass(frozen=True)
class DraftRow:
    """One draft as the run page shows it, on load and in every progress poll."""

    pk: int
    client_name: str
    state: str
    state_label: str
    tone: str
    total: str
    freshbooks_total: str  # what FreshBooks reports, when it differs from the planned total
    freshbooks_url: str
    freshbooks_label: str  # the invoice number, or why there is no link yet
    error: str
    unique_key: str
    # "Subtotal $100.00 · HST (13%) $13.00" when the draft carries taxes, else "".
    tax_breakdown: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "state": self.state,
            "state_label": self.state_label,
            "tone": self.tone,
            "total": self.total,
            "freshbooks_total": self.freshbooks_total,
            "freshbooks_url": self.freshbooks_url,
            "freshbooks_label": self.freshbooks_label,
            "error": self.error,
        }


@dataclass(frozen=True)
class RunProgress:
    """A run's progress: the summary is counted from the same rows the page lists."""

    status: str
    status_label: str
    status_tone: str
    finished: bool
    drafts_total: int
    drafts_done: int
    drafts_failed: int
    drafts_voided: int
    percent: int
    summary: str
    in_freshbooks: str
    next_step: str
    rows: list[DraftRow] = field(default_factory=list)

    @property
    def created_keys(self) -> set[str]:
        return {row.unique_key for row in self.rows}

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "status_label": self.status_label,
            "status_tone": self.status_tone,
            "finished": self.finished,
            "drafts_total": self.drafts_total,
            "drafts_done": self.drafts_done,
            "drafts_failed": self.drafts_failed,
            "drafts_voided": self.drafts_voided,
            "percent": self.percent,
            "summary": self.summary,
            "in_freshbooks": self.in_freshbooks,
            "next_step": self.next_step,
            "drafts": [row.as_json() for row in self.rows],
        }


def run_progress_of(run: InvoiceRun, business: ConnectedBusiness) -> RunProgress:
    """The run page's rows and summary, from one read of the run's drafts (the drafts are the
    truth; the run's own counters can lag a draft by a moment)."""
    drafts = list(
        run.drafts.order_by("client_name", "pk").only(
            "pk",
            "run",
            "client_name",
            "state",
            "total",
            "subtotal",
            "taxes",
            "currency_code",
            "freshbooks_invoice_id",
            "freshbooks_invoice_number",
            "freshbooks_total",
            "error",
            "unique_key",
        )
    )
    finished = run.status != Status.CREATING
    rows = [_draft_row(draft, business.account_id, run_finished=finished) for draft in drafts]
    total = len(drafts)
    done = sum(1 for draft in drafts if draft.state == State.DONE)
    failed = sum(1 for draft in drafts if draft.state in FAILED_STATES)
    voided = sum(1 for draft in drafts if draft.state == State.VOIDED)
    settled = done + failed + voided
    percent = 100 if total == 0 else round(100 * settled / total)
    if not finished:
        percent = min(percent, 99)  # full once the run says it is finished, not a moment before
    return RunProgress(
        status=run.status,
        status_label=run.get_status_display(),
        status_tone=RUN_TONES.get(run.status, "muted"),
        finished=finished,
        drafts_total=total,
        drafts_done=done,
        drafts_failed=failed,
        drafts_voided=voided,
        percent=percent,
        summary=_summary(total, done, failed, voided),
        in_freshbooks=_in_freshbooks(drafts),
        next_step=_next_step(run, done=done, failed=failed) if finished else "",
        rows=rows,
    )


def _draft_row(draft: DraftInvoice, account_id: str, *, run_finished: bool) -> DraftRow:
    url = freshbooks_invoice_url(account_id, draft.freshbooks_invoice_id)
    if url:
        label = draft.freshbooks_invoice_number or str(draft.freshbooks_invoice_id)
    elif run_finished or draft.state in (State.VOIDED, *FAILED_STATES):
        label = "none"
    else:
        label = "not yet"
    differs = draft.freshbooks_total is not None and draft.freshbooks_total != draft.total
    error = draft.error
    if len(error) > ERROR_SHOWN_CHARS:
        error = error[: ERROR_SHOWN_CHARS - 1] + "…"
    return DraftRow(
        pk=draft.pk,
        client_name=draft.client_name,
        state=draft.state,
        state_label=draft.get_state_display(),
        tone=DRAFT_TONES.get(draft.state, "warn"),
        total=money_text(draft.total, draft.currency_code),
        freshbooks_total=(
            money_text(draft.freshbooks_total, draft.currency_code)
            if differs and draft.freshbooks_total is not None
            else ""
        ),
        freshbooks_url=url,
        freshbooks_label=label,
        error=error,
        unique_key=draft.unique_key,
        tax_breakdown=tax_breakdown(draft),
    )


def tax_breakdown(draft: DraftInvoice) -> str:
    """ "Subtotal $100.00 · HST (13%) $13.00" ("" for a draft without taxes)."""
    taxes = [item for item in draft.taxes or [] if isinstance(item, dict)]
    if not taxes or draft.subtotal is None:
        return ""
    code = draft.currency_code
    parts = [f"Subtotal {money_text(draft.subtotal, code)}"] + [
        f"{item.get('label', item.get('name', 'Tax'))} {money_text(Decimal(item['amount']), code)}"
        for item in taxes
    ]
    return " · ".join(parts)


def _summary(total: int, done: int, failed: int, voided: int) -> str:
    words = f"{done} of {total} drafts done"
    if failed:
        words += f", {failed} failed"
    if voided:
        words += f", {voided} voided"
    return words + "."


def _in_freshbooks(drafts: list[DraftInvoice]) -> str:
    """Per currency, voided drafts left out: "In FreshBooks: 720.00 USD of 2400.00 USD."."""
    planned: dict[str, Decimal] = defaultdict(Decimal)
    created: dict[str, Decimal] = defaultdict(Decimal)
    for draft in drafts:
        if draft.state == State.VOIDED:
            continue
        planned[draft.currency_code] += draft.total
        if draft.state in IN_FRESHBOOKS_STATES:
            created[draft.currency_code] += draft.total
    if not planned:
        return ""
    parts = [
        f"{money_text(created[code], code)} of {money_text(planned[code], code)}"
        for code in sorted(planned)
    ]
    return "In FreshBooks: " + "; ".join(parts) + "."


def _next_step(run: InvoiceRun, *, done: int, failed: int) -> str:
    if run.status == Status.PREVIEWED:
        return ""
    if failed:
        them = "it" if failed == 1 else "them"
        words = (
            f"{failed} draft{'s' if failed != 1 else ''} need{'s' if failed == 1 else ''} you: "
            f"open {them} below to retry, or void {them} to release the time."
        )
        return words + (" The others are in FreshBooks." if done else "")
    if done:
        return (
            "Done: every draft is in FreshBooks. Next, open each invoice to review it and send it "
            "to your client from FreshBooks."
        )
    return ""


def draft_for(business: ConnectedBusiness, draft_pk: int) -> DraftInvoice:
    return get_object_or_404(
        DraftInvoice.objects.select_related("run", "voided_by"), pk=draft_pk, business=business
    )


def draft_lines(draft: DraftInvoice) -> QuerySet[DraftLine]:
    """The draft's lines; an expense line has its `expense` (the reservation and the mirror row)."""
    return draft.lines.select_related("expense__expense")


def invoice_runs_of(business: ConnectedBusiness, limit: int = RUNS_LISTED) -> list[InvoiceRun]:
    """Runs that created drafts (or failed trying), newest first; previews are apart."""
    return list(
        InvoiceRun.objects.filter(business=business)
        .exclude(status__in=NOT_CREATING)
        .select_related("started_by", "schedule")
        .order_by("-created_at", "-pk")[:limit]
    )


def recent_invoice_runs(business: ConnectedBusiness, limit: int = 10) -> QuerySet[InvoiceRun]:
    return (
        InvoiceRun.objects.filter(business=business)
        .exclude(status__in=NOT_CREATING)
        .order_by("-created_at", "-pk")[:limit]
    )


def discarded_previews_count(business: ConnectedBusiness) -> int:
    return InvoiceRun.objects.filter(business=business, status=InvoiceRun.Status.DISCARDED).count()


def invoice_schedule_of(business: ConnectedBusiness) -> InvoiceSchedule:
    """The business's schedule; an unsaved, inactive one when it never saved any."""
    return InvoiceSchedule.objects.filter(business=business).first() or InvoiceSchedule(
        business=business
    )


def saved_invoice_schedule_of(business: ConnectedBusiness) -> InvoiceSchedule | None:
    return InvoiceSchedule.objects.filter(business=business).first()
