"""Previews: the snapshot the user was shown (stored as JSON on the run for the audit), the plan
it comes from, what changed since, and whether a preview is outdated. Reads only.

Every number comes from `plan_drafts`; the template only renders this document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import IntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from connections.models import ConnectedBusiness
from invoicing.billing import BillingOptions, BillingPlan, Catalog, NotBilledReason
from invoicing.billing.money import hours_from_seconds, rate_text
from invoicing.billing.taxes import InvoiceTotals, LineTaxes, Tax
from invoicing.models import Expense, InvoiceRun
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors import expense_context, planning_reads
from invoicing.selectors.expense_preview import (
    EXPENSE_SUMMARIES,
    expense_lines_snapshot,
    expenses_not_billed_snapshot,
)
from invoicing.selectors.planning_reads import billing_inputs_version, entry_rows, gc_paused
from invoicing.selectors.preview_changes import preview_changes
from invoicing.selectors.preview_texts import FixJson, HoursText, local_days

REASON_LABELS = {
    NotBilledReason.NO_RATE: "No rate",
    NotBilledReason.ZERO_RATE: "Zero rate",
    NotBilledReason.FIXED_PRICE_PROJECT: "Fixed-price project",
    NotBilledReason.NO_CLIENT: "No client",
    NotBilledReason.CLIENT_ARCHIVED: "Archived or deleted client",
    NotBilledReason.RUNNING_TIMER: "Running timer",
    NotBilledReason.ALREADY_ON_DRAFT: "Already on a draft",
    NotBilledReason.NOT_BILLABLE: "Not billable",
    NotBilledReason.INTERNAL: "Internal",
    NotBilledReason.LEFT_OUT: "Left out by you",
}
NOTE_CHARACTERS = 120


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def tax_label(name: str, percent: Decimal) -> str:
    """ "HST (13%)", "QST (9.975%)"."""
    return Tax(name, percent).label


def tax_totals_json(totals: InvoiceTotals) -> list[dict[str, str]]:
    """Each tax of a draft as the preview and the draft row keep it."""
    return [
        {
            "name": tax.name,
            "percent": rate_text(tax.percent),
            "label": tax_label(tax.name, tax.percent),
            "amount": _money(tax.amount),
        }
        for tax in totals.taxes
    ]


def _line_tax_labels(taxes: LineTaxes) -> list[str]:
    return [tax.label for tax in (taxes.first, taxes.second) if tax is not None]


@gc_paused
def preview_snapshot(
    *,
    plan: BillingPlan,
    options: BillingOptions,
    catalog: Catalog,
    entry_dates: dict[int, str],
    entry_seconds: dict[int, int],
    entry_notes: dict[int, str] | None = None,
    entry_sources: dict[int, str] | None = None,
    freshness: dict[str, Any] | None = None,
    made_at: str = "",
    expense_rows: dict[int, Expense] | None = None,
) -> dict[str, Any]:
    """The document the preview page renders and "Create drafts" compares its new plan with.

    Each line keeps its entries (id, date, hours, team member, note) so single entries can be left
    out, and each unpriced entry where its rate is set (`rate_fix`).
    """
    notes = entry_notes or {}
    sources = entry_sources or {}  # hours from outside FreshBooks: "API", "Toggl Track CSV"
    expenses = expense_rows or {}
    hours, fix_json = HoursText(), FixJson()
    drafts = []
    for draft in plan.drafts:
        billed_seconds = sum(sum(line.billed_seconds.values()) for line in draft.lines)
        drafts.append(
            {
                "client_id": draft.client_id,
                "client_name": draft.client_name,
                "currency_code": draft.currency_code,
                "subtotal": _money(draft.subtotal),
                "taxes": tax_totals_json(draft.totals),
                "total": _money(draft.total),
                "hours": str(hours_from_seconds(billed_seconds)),
                "entry_count": len(draft.entry_ids),
                "blocked_reason": draft.blocked_reason,
                "unique_key": draft.unique_key,
                "expense_count": len(draft.expense_lines),
                "expense_lines": expense_lines_snapshot(draft, expenses),
                "lines": [
                    {
                        "name": line.name,
                        "description": line.description,
                        "quantity": str(line.quantity),
                        # The full-precision rate the amount is computed from (12.345).
                        "unit_cost": rate_text(line.unit_cost),
                        "amount": _money(line.amount),
                        "rate_sources": list(line.rate_sources),
                        "taxes": _line_tax_labels(line.taxes),
                        "compound_tax": line.taxes.compound,
                        "entry_count": len(line.entry_ids),
                        "entry_ids": list(line.entry_ids),
                        "entries": [
                            {
                                "id": entry_id,
                                "date": entry_dates.get(entry_id, ""),
                                "hours": hours(entry_seconds.get(entry_id, 0)),
                                "note": notes.get(entry_id, "")[:NOTE_CHARACTERS],
                                "source": sources.get(entry_id, ""),
                            }
                            for entry_id in line.entry_ids
                        ],
                    }
                    for line in draft.lines
                ],
            }
        )
    not_billed = []
    for item in plan.not_billed_in_preview:
        client = catalog.clients.get(item.client_id) if item.client_id is not None else None
        not_billed.append(
            {
                "entry_id": item.entry_id,
                "client_id": item.client_id,
                "client_name": client.name if client else "",
                "date": entry_dates.get(item.entry_id, ""),
                "hours": hours(entry_seconds.get(item.entry_id, 0)),
                "source": sources.get(item.entry_id, ""),
                "reason": str(item.reason),
                "reason_label": REASON_LABELS.get(item.reason, str(item.reason)),
                "detail": item.detail,
                "project_id": item.project_id,
                "service_id": item.service_id,
                "team_member_id": item.team_member_id,
                "rate_fix": fix_json(item.rate_fix) if item.rate_fix else None,
                # Left out one by one (not with its client or project): it can be ticked back.
                "left_out_entry": item.reason == NotBilledReason.LEFT_OUT
                and item.entry_id in options.excluded_entry_ids,
            }
        )
    skipped = Counter(str(item.reason) for item in plan.not_billed if not item.shown_in_preview)
    return {
        "made_at": made_at,
        "period": options.period.describe(),
        "grouping": options.grouping,
        "rounding": options.rounding.describe(),
        "unpriced": options.unpriced,
        "expenses": options.expenses,
        "expenses_label": EXPENSE_SUMMARIES.get(options.expenses, ""),
        "drafts": drafts,
        "drafts_to_create": len(plan.drafts_to_create),
        "not_billed": not_billed,
        "left_out_count": sum(1 for item in not_billed if item["reason"] == "left_out"),
        "skipped_counts": dict(sorted(skipped.items())),
        "totals_by_currency": {
            code: _money(total) for code, total in plan.totals_by_currency.items()
        },
        "expenses_not_billed": expenses_not_billed_snapshot(plan, catalog, expenses),
        "freshness": freshness or {},
    }


def preview_entry_ids(snapshot: dict[str, Any]) -> set[int]:
    """Every entry a preview shows with a tick box: on its lines, or left out by the user."""
    on_lines = {
        int(entry_id)
        for draft in snapshot.get("drafts", [])
        for line in draft.get("lines", [])
        for entry_id in line.get("entry_ids", [])
    }
    left_out = {
        int(item["entry_id"])
        for item in snapshot.get("not_billed", [])
        if item.get("left_out_entry")
    }
    return on_lines | left_out


def preview_line_entries(snapshot: dict[str, Any]) -> dict[str, list[int]]:
    """Each line's key ("<draft>-<line>", from 1) and its entries, for leaving a line out."""
    return {
        f"{draft_number}-{line_number}": [int(entry_id) for entry_id in line.get("entry_ids", [])]
        for draft_number, draft in enumerate(snapshot.get("drafts", []), start=1)
        for line_number, line in enumerate(draft.get("lines", []), start=1)
    }


def selection_left_out(
    snapshot: dict[str, Any],
    *,
    shown_entry_ids: Iterable[int],
    billed_entry_ids: Iterable[int],
    billed_lines: Iterable[str],
) -> set[int]:
    """Of the entries a preview page showed, those its tick boxes leave out: unticked, or on an
    unticked line that the page showed: every entry of it, also those past the first few that
    the page lists one by one (`invoicing.selectors.preview_pages.ENTRIES_SHOWN`)."""
    shown = set(shown_entry_ids)
    lines = preview_line_entries(snapshot)
    unticked_lines = lines.keys() - set(billed_lines)
    on_unticked_lines = {
        entry_id
        for key in unticked_lines
        if shown.intersection(lines[key])
        for entry_id in lines[key]
    }
    return (shown - set(billed_entry_ids)) | on_unticked_lines


def selection_changes_preview(
    snapshot: dict[str, Any],
    *,
    shown_entry_ids: Iterable[int],
    billed_entry_ids: Iterable[int],
    billed_lines: Iterable[str],
) -> bool:
    """Whether the tick boxes leave out other entries than the preview already does."""
    shown = set(shown_entry_ids)
    already = {
        int(item["entry_id"])
        for item in snapshot.get("not_billed", [])
        if item.get("left_out_entry")
    }
    wanted = selection_left_out(
        snapshot,
        shown_entry_ids=shown,
        billed_entry_ids=billed_entry_ids,
        billed_lines=billed_lines,
    )
    return wanted != (already & shown)


# -- what changed between the preview a user saw and a new plan ------------------------------


@dataclass(frozen=True)
class Planned:
    plan: BillingPlan
    catalog: Catalog
    rows: dict[int, planning_reads.PlannedEntry]
    expense_rows: dict[int, Expense] = field(default_factory=dict)
    # The business's billing inputs version read just before the entries (see below).
    inputs_version: int = 0


def plan_for(
    business: ConnectedBusiness,
    options: BillingOptions,
    client_ids: Iterable[int],
    *,
    lock: bool,
    replacing_draft_id: int | None = None,
) -> Planned:
    """The plan of the mirror as it is now; `lock` takes the candidate entries' row locks.

    `replacing_draft_id` (a re-bill's preview): plan as if that draft's entries were free.
    The inputs version is read first: whatever is written after it moves it.
    """
    inputs_version = billing_inputs_version(business.pk)
    entries = billing_inputs.candidate_entries(
        business, options, replacing_draft_id=replacing_draft_id
    )
    client_ids = list(client_ids)
    if client_ids:
        entries = entries.filter(client_freshbooks_id__in=client_ids)
    # Creating drafts takes the rows' locks with the same read.
    loaded = entry_rows(entries.select_for_update() if lock else entries)
    facts, rows = billing_inputs.entry_facts(
        business, loaded, replacing_draft_id=replacing_draft_id
    )
    expenses = expense_context.candidate_expenses(
        business, options, client_ids=client_ids, replacing_draft_id=replacing_draft_id
    )
    if lock:
        expenses = expenses.select_for_update()
    expense_inputs = expense_context.expense_inputs(
        business, list(expenses), replacing_draft_id=replacing_draft_id
    )
    context = billing_inputs.billing_context_for(business)
    plan = billing_inputs.billing_plan(
        context, entries=facts, options=options, expenses=expense_inputs
    )
    return Planned(
        plan=plan,
        catalog=context.catalog,
        rows=rows,
        expense_rows=expense_inputs.rows,
        inputs_version=inputs_version,
    )


def snapshot_of(
    business: ConnectedBusiness,
    options: BillingOptions,
    planned: Planned,
    freshness: dict[str, Any] | None,
) -> dict[str, Any]:
    rows = planned.rows
    snapshot = preview_snapshot(
        plan=planned.plan,
        options=options,
        catalog=planned.catalog,
        entry_dates=local_days(rows, business.timezone or None),
        entry_seconds={entry_id: row.duration_seconds for entry_id, row in rows.items()},
        entry_notes={entry_id: row.note for entry_id, row in rows.items()},
        entry_sources={
            entry_id: row.source_label for entry_id, row in rows.items() if row.is_outside
        },
        freshness=freshness,
        made_at=timezone.now().isoformat(),
        expense_rows=planned.expense_rows,
    )
    return {**snapshot, "inputs_version": planned.inputs_version}


def preview_outdated(run: InvoiceRun, *, inputs_version: int | None = None) -> bool:
    """A preview is outdated when anything it was planned from was written after it was made.

    Decision: the business's billing inputs version (bumped by database triggers on every table
    the billing rules read, `invoicing.models.watermarks`) against the one the preview was planned
    at: one indexed read however large the mirror, where planning again took 100 s at 100,000
    entries. Updates that change only sync bookkeeping (`synced_at`, `seen_by_run_id`) do not
    count. A change that would leave the drafts as they are (a new entry outside the period) also
    says "outdated"; "Create drafts" plans again and shows the real differences, if any.
    A preview made before versions existed is planned again, as before.
    """
    if run.status != InvoiceRun.Status.PREVIEWED:
        return False
    if run.inputs_version is None:
        return _replanned_differs(run)
    if inputs_version is None:
        inputs_version = billing_inputs_version(run.business_id)
    return inputs_version != run.inputs_version


def _replanned_differs(run: InvoiceRun) -> bool:
    if not run.preview:
        return False
    options = billing_inputs.options_from_snapshot(run.options)
    planned = plan_for(
        run.business,
        options,
        run.client_freshbooks_ids,
        lock=False,
        replacing_draft_id=run.replaces_draft_id,
    )
    return bool(preview_changes(run.preview, snapshot_of(run.business, options, planned, None)))


def open_previews(business: ConnectedBusiness, limit: int = 20) -> list[InvoiceRun]:
    """Previews nobody created or discarded yet, newest first, each with `outdated` set.

    The full previews are not loaded (`preview_page` has what lists show)."""
    previews: list[InvoiceRun] = list(
        InvoiceRun.objects.filter(business=business, status=InvoiceRun.Status.PREVIEWED)
        .select_related("started_by", "schedule")
        .defer("preview", "replanned")
        .annotate(
            has_replanned=~Q(replanned={}),
            drafts_to_create=Coalesce(
                Cast(KT("preview_page__drafts_to_create"), IntegerField()),
                Cast(KT("preview__drafts_to_create"), IntegerField()),  # made before preview_page
                0,
            ),
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    version = billing_inputs_version(business.pk) if previews else 0
    for preview in previews:
        preview.business = business
        preview.outdated = preview_outdated(preview, inputs_version=version)  # type: ignore[attr-defined]
    return previews
