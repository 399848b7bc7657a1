"""Expenses: ``/accounting/account/{account_id}/expenses/expenses`` (Java SDK fixtures, PY SDK).

- ``status`` follows from the expense (FreshBooks' expense statuses): 0 internal (not billable),
  1 outstanding (billable, not on an invoice), 2 invoiced (``invoiceid`` set by an invoice line of
  type 1 with this ``expenseid``, see ``expense_billing``).
- ``vis_state: 1`` deletes (the accounting soft delete, raising ``expense.delete``); a deleted
  expense is still fetched by id and listed only with ``search[vis_state]=1``.
- Lists are newest ``date`` first, then newest id. Filters: ``clientid(s)``, ``projectid(s)``,
  ``categoryid(s)``, ``date_min``/``date_max`` (on ``date``), ``updated_min``/``updated_max``,
  ``vis_state``, ``invoiceid``.
- Every change raises ``expense.<verb>``; being billed or released by an invoice raises
  ``expense.update``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import NotFound
from sandbox.store.common import Window, emit
from sandbox.store.expense_payloads import apply_taxes, read_fields
from sandbox.validation import money_text, quantity_text

INTERNAL, OUTSTANDING, INVOICED = 0, 1, 2
PLAIN_FIELDS = ("categoryid", "staffid", "clientid", "projectid", "billable", "vendor", "notes")


def _status(expense: dict[str, Any]) -> int:
    if expense["invoiceid"]:
        return INVOICED
    return OUTSTANDING if expense["billable"] else INTERNAL


def _apply(expense: dict[str, Any], changes: dict[str, Any], business: dict[str, Any]) -> None:
    for name in PLAIN_FIELDS:
        if name in changes:
            expense[name] = changes[name]
    for name in ("vendor", "notes"):
        expense[name] = expense[name] or ""
    if "markup_percent" in changes:
        expense["markup_percent"] = quantity_text(changes["markup_percent"] or Decimal(0))
    if "date" in changes:
        expense["date"] = changes["date"]
    if "amount" in changes:
        amount, code = changes["amount"]
        code = code or expense["amount"]["code"] or business["currency_code"]
        expense["amount"] = {"amount": money_text(amount), "code": code}
    apply_taxes(expense, changes)
    expense["status"] = _status(expense)


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    changes = read_fields(transaction, business, payload, creating=True)
    account_id = business["account_id"]
    now = clock.utc_now()
    expense: dict[str, Any] = {
        "account_name": "",
        "accountid": None,
        "accounting_systemid": account_id,
        "amount": {"amount": "0.00", "code": business["currency_code"]},
        "attachment": None,
        "background_jobid": None,
        "bank_name": "",
        "bill_matches": [],
        "billable": False,
        "categoryid": None,
        "clientid": 0,
        "compounded_tax": False,
        "converse_projectid": None,
        "date": None,
        "expenseid": None,
        "ext_accountid": None,
        "ext_invoiceid": 0,
        "ext_systemid": 0,
        "from_bulk_import": False,
        "has_receipt": False,
        "id": None,
        "include_receipt": False,
        "invoiceid": None,
        "is_cogs": False,
        "isduplicate": False,
        "markup_percent": "0",
        "modern_projectid": None,
        "notes": "",
        "potential_bill_payment": False,
        "profileid": None,
        "projectid": 0,
        "staffid": None,
        "status": INTERNAL,
        "taxAmount1": None,
        "taxAmount2": None,
        "taxName1": None,
        "taxName2": None,
        "taxPercent1": None,
        "taxPercent2": None,
        "transactionid": None,
        "updated": None,
        "vendor": "",
        "vis_state": 0,
    }
    _apply(expense, changes, business)
    cursor = transaction.execute(
        "INSERT INTO expenses (account_id, clientid, projectid, date, vis_state, updated_at, data) "
        "VALUES (?, 0, 0, '', 0, ?, '{}')",
        (account_id, clock.stamp(now)),
    )
    expense["id"] = expense["expenseid"] = cursor.lastrowid
    save(transaction, expense)
    emit(transaction, business, "expense", "create", expense["id"], identity_id)
    return expense


def save(transaction: Transaction, expense: dict[str, Any]) -> None:
    now = clock.utc_now()
    expense["status"] = _status(expense)
    expense["updated"] = clock.eastern(now)
    transaction.execute(
        "UPDATE expenses SET clientid = ?, projectid = ?, date = ?, vis_state = ?, invoiceid = ?, "
        "updated_at = ?, data = ? WHERE id = ?",
        (
            expense["clientid"] or 0,
            expense["projectid"] or 0,
            expense["date"],
            expense["vis_state"],
            expense["invoiceid"],
            clock.stamp(now),
            dumps(expense),
            expense["id"],
        ),
    )


def get(transaction: Transaction, account_id: str, expense_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT data FROM expenses WHERE account_id = ? AND id = ?", (account_id, expense_id)
    )
    if row is None:
        raise NotFound("expense", "expenseid", expense_id)
    return loads(row["data"])


def update(
    transaction: Transaction,
    business: dict[str, Any],
    expense_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    expense = get(transaction, business["account_id"], expense_id)
    changes = read_fields(transaction, business, payload, creating=False)
    verb = "update"
    if "vis_state" in changes:
        if changes["vis_state"] == 1 and expense["vis_state"] != 1:
            verb = "delete"
        expense["vis_state"] = changes["vis_state"]
    _apply(expense, changes, business)
    save(transaction, expense)
    emit(transaction, business, "expense", verb, expense_id, identity_id)
    return expense


def delete(
    transaction: Transaction, business: dict[str, Any], expense_id: int, *, identity_id: int
) -> dict[str, Any]:
    return update(transaction, business, expense_id, {"vis_state": 1}, identity_id=identity_id)


def on_invoice(transaction: Transaction, account_id: str, invoice_id: int) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT data FROM expenses WHERE account_id = ? AND invoiceid = ? ORDER BY id",
        (account_id, invoice_id),
    )
    return [loads(row["data"]) for row in rows]


def search(
    transaction: Transaction, account_id: str, filters: dict[str, Any], window: Window
) -> tuple[list[dict[str, Any]], int]:
    clauses, parameters = ["account_id = ?"], [account_id]
    for name, column in (("clientids", "clientid"), ("projectids", "projectid")):
        if name in filters:
            clauses.append(f"{column} IN (SELECT value FROM json_each(?))")  # noqa: S608
            parameters.append(json.dumps(filters[name]))
    for name, condition in (("date_min", "date >= ?"), ("date_max", "date <= ?")):
        if name in filters:
            clauses.append(condition)
            parameters.append(filters[name])
    for name, condition in (("updated_min", "updated_at >= ?"), ("updated_max", "updated_at <= ?")):
        if name in filters:
            clauses.append(condition)
            parameters.append(clock.stamp(filters[name]))
    if "invoiceid" in filters:
        clauses.append("invoiceid = ?")
        parameters.append(filters["invoiceid"])
    clauses.append("vis_state = ?")
    parameters.append(filters.get("vis_state", 0))
    rows = transaction.all(
        f"SELECT data FROM expenses WHERE {' AND '.join(clauses)} "  # noqa: S608 - constants
        "ORDER BY date DESC, id DESC",
        parameters,
    )
    found = [loads(row["data"]) for row in rows]
    if "categoryids" in filters:
        found = [item for item in found if item["categoryid"] in filters["categoryids"]]
    return window.cut(found), len(found)


def all_for_account(transaction: Transaction, account_id: str) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT data FROM expenses WHERE account_id = ? ORDER BY id", (account_id,)
    )
    return [loads(row["data"]) for row in rows]
