"""An invoice line of type 1 (a rebilled expense, reference §7) bills its ``expenseid``.

- Saving an invoice whose lines name expenses marks each one billed (``invoiceid``, ``status`` 2);
  expenses the invoice no longer names are released (``invoiceid`` null, back to outstanding).
  Deleting the invoice (HTTP DELETE or ``vis_state: 1``) releases them all.
- A line naming an expense that does not exist or is deleted, is already on another live invoice,
  or is in another currency than the invoice, is a 422 for the whole invoice (nothing is billed
  half-way). The expense's client, when it has one, must be the invoice's client (stricter than
  FreshBooks is known to be, so a mix-up shows).
"""

from __future__ import annotations

from typing import Any

from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import expenses
from sandbox.store.common import emit


def _problem(transaction: Transaction, invoice: dict[str, Any], expense_id: int) -> str | None:
    try:
        expense = expenses.get(transaction, invoice["accountid"], expense_id)
    except NotFound:
        return "Expense not found."
    if expense["vis_state"] == 1:
        return "This expense has been deleted."
    if expense["invoiceid"] not in (None, invoice["id"]):
        return f"This expense is already billed on invoice {expense['invoiceid']}."
    if expense["amount"]["code"] != invoice["currency_code"]:
        return (
            f"The expense is in {expense['amount']['code']}, the invoice in "
            f"{invoice['currency_code']}."
        )
    if expense["clientid"] and expense["clientid"] != invoice["customerid"]:
        return "The expense belongs to another client."
    return None


def check(transaction: Transaction, invoice: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Raise a 422 naming every expense line the invoice cannot take."""
    problems: dict[str, FieldError] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines):
        expense_id = line.get("expenseid")
        if line.get("type") != 1 or not expense_id:
            continue
        message = (
            "The same expense is on two lines."
            if expense_id in seen
            else _problem(transaction, invoice, expense_id)
        )
        seen.add(expense_id)
        if message:
            problems[f"lines[{index}].expenseid"] = FieldError("invalid", message, expense_id)
    if problems:
        raise ValidationFailed(problems, "invoice")


def settle(
    transaction: Transaction, business: dict[str, Any], invoice: dict[str, Any], identity_id: int
) -> None:
    """Make the expenses billed on ``invoice`` exactly those its live lines name."""
    wanted = set()
    if invoice["vis_state"] != 1:
        wanted = {
            line["expenseid"]
            for line in invoice.get("lines", [])
            if line["type"] == 1 and line["expenseid"]
        }
    account_id = business["account_id"]
    for expense in expenses.on_invoice(transaction, account_id, invoice["id"]):
        if expense["id"] not in wanted:
            expense["invoiceid"] = None
            expenses.save(transaction, expense)
            emit(transaction, business, "expense", "update", expense["id"], identity_id)
    for expense_id in sorted(wanted):
        expense = expenses.get(transaction, account_id, expense_id)
        if expense["invoiceid"] != invoice["id"]:
            expense["invoiceid"] = invoice["id"]
            expenses.save(transaction, expense)
            emit(transaction, business, "expense", "update", expense_id, identity_id)
