"""The expenses part of a preview snapshot: each draft's expense lines, and the expenses of the
period not billed, with their reason in words (rendered by the preview and the run page)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from invoicing.billing import (
    EXPENSES_ALL,
    EXPENSES_NONE,
    EXPENSES_PROJECTS,
    BillingPlan,
    Catalog,
    DraftPlan,
    ExpenseNotBilled,
)
from invoicing.models import Expense

EXPENSE_REASON_LABELS = {
    ExpenseNotBilled.DELETED: "Deleted in FreshBooks",
    ExpenseNotBilled.ALREADY_BILLED: "Already on a draft",
    ExpenseNotBilled.NOT_BILLABLE: "Not billable",
    ExpenseNotBilled.OUTSIDE_PERIOD: "Outside the period",
    ExpenseNotBilled.LEFT_OUT: "Left out by you",
    ExpenseNotBilled.NO_AMOUNT: "No amount",
    ExpenseNotBilled.UNKNOWN_CURRENCY: "Unknown currency",
    ExpenseNotBilled.OTHER_CURRENCY: "Another currency",
    ExpenseNotBilled.UNUSABLE_TAX: "Unusable tax",
    ExpenseNotBilled.NO_CLIENT: "No client",
    ExpenseNotBilled.CLIENT_ARCHIVED: "Archived or deleted client",
}
NOTE_CHARACTERS = 120
# The run's expense choice in the preview's one-line summary of its options.
EXPENSE_SUMMARIES = {
    EXPENSES_ALL: "with the clients' unbilled expenses",
    EXPENSES_PROJECTS: "with the expenses on the chosen projects",
    EXPENSES_NONE: "without expenses",
}


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _percent_text(value: Decimal) -> str:
    """10.000 → "10", 12.500 → "12.5"."""
    return f"{value.normalize():f}"


def _described(row: Expense | None) -> dict[str, Any]:
    if row is None:
        return {"date": "", "vendor": "", "notes": ""}
    return {
        "date": row.date.isoformat() if row.date else "",
        "vendor": row.vendor,
        "notes": row.notes[:NOTE_CHARACTERS],
    }


def expense_lines_snapshot(draft: DraftPlan, rows: Mapping[int, Expense]) -> list[dict[str, Any]]:
    """A draft's expense lines: what the expense was (date, vendor, notes, amount as spent) and
    the line it becomes (before tax, markup applied) with its taxes."""
    lines = []
    for line in draft.expense_lines:
        row = rows.get(line.expense_id)
        taxes = [tax for tax in (line.taxes.first, line.taxes.second) if tax is not None]
        lines.append(
            {
                "expense_id": line.expense_id,
                **_described(row),
                "name": line.name,
                "description": line.description,
                "spent": _money(row.amount if row else None),
                "markup_percent": _percent_text(row.markup_percent) if row else "0",
                "amount": _money(line.amount),
                "taxes": [tax.label for tax in taxes],
            }
        )
    return lines


def expenses_not_billed_snapshot(
    plan: BillingPlan, catalog: Catalog, rows: Mapping[int, Expense]
) -> list[dict[str, Any]]:
    listed = []
    for decision in plan.expenses_not_billed:
        reason = decision.reason
        if reason is None or not reason.shown_in_preview:
            continue
        expense = decision.expense
        client = catalog.clients.get(expense.client_id) if expense.client_id is not None else None
        listed.append(
            {
                "expense_id": expense.freshbooks_id,
                **_described(rows.get(expense.freshbooks_id)),
                "client_id": expense.client_id,
                "client_name": client.name if client else "",
                "amount": _money(expense.amount),
                "currency_code": expense.currency_code,
                "reason": str(reason),
                "reason_label": EXPENSE_REASON_LABELS.get(reason, str(reason)),
                "detail": decision.detail,
            }
        )
    return listed
