"""Expense categories: ``/accounting/account/{account_id}/expenses/categories`` (read-only).

Every FreshBooks account starts with the same categories, which the API only lists and reads (the
Python SDK has no create, update or delete for them). The sandbox creates that set the first time
an account's categories are needed, so every account has them without the seed listing them.
"""

from __future__ import annotations

from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import NotFound
from sandbox.store.common import Window

STANDARD = (
    "Advertising",
    "Car & Truck Expenses",
    "Meals and Entertainment",
    "Office Expenses & Postage",
    "Professional Fees",
    "Software",
    "Travel",
)


def _document(row) -> dict[str, Any]:
    return {**loads(row["data"]), "id": row["id"], "categoryid": row["id"]}


def ensure(transaction: Transaction, account_id: str) -> None:
    if transaction.one("SELECT 1 FROM expense_categories WHERE account_id = ?", (account_id,)):
        return
    created = clock.eastern(clock.utc_now())
    for name in STANDARD:
        data = {
            "category": name,
            "created_at": created,
            "is_cogs": False,
            "is_editable": False,
            "parentid": None,
            "updated_at": created,
            "vis_state": 0,
        }
        transaction.execute(
            "INSERT INTO expense_categories (account_id, data) VALUES (?, ?)",
            (account_id, dumps(data)),
        )


def get(transaction: Transaction, account_id: str, category_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT * FROM expense_categories WHERE account_id = ? AND id = ?",
        (account_id, category_id),
    )
    if row is None:
        raise NotFound("category", "categoryid", category_id)
    return _document(row)


def search(
    transaction: Transaction, account_id: str, window: Window
) -> tuple[list[dict[str, Any]], int]:
    rows = transaction.all(
        "SELECT * FROM expense_categories WHERE account_id = ? ORDER BY id", (account_id,)
    )
    found = [_document(row) for row in rows]
    return window.cut(found), len(found)
