"""Taxes: ``/accounting/account/{account_id}/taxes/taxes`` (reference §10, Java SDK fixtures).

A tax is ``{accounting_systemid, amount (percent, decimal string), compound, id = taxid, name,
number, updated}``. ``amount`` is a percent from 0 to 100 (a negative or larger percent is a 422:
FreshBooks' UI refuses them and the app must see a clear error rather than a nonsense total).
Taxes are deleted with HTTP DELETE (the Python SDK's ``delete_via_update=False``) and then gone:
no ``vis_state``, as the recorded bodies show none. Every change raises ``tax.<verb>``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store.common import Window, emit
from sandbox.validation import MISSING, Fields, quantity_text

HUNDRED = Decimal(100)


def _read_fields(payload: Any, *, creating: bool) -> dict[str, Any]:
    fields = Fields(payload, "tax")
    changes = {
        "name": fields.text("name", required=creating, nullable=False, max_length=40),
        "amount": fields.decimal("amount", required=creating, nullable=False, minimum=None),
        "number": fields.text("number", max_length=40),
        "compound": fields.boolean("compound"),
    }
    percent = changes["amount"]
    if percent is not MISSING and not Decimal(0) <= percent <= HUNDRED:
        fields.fail("amount", "invalid", "Tax amount must be a percent from 0 to 100.", percent)
    fields.check()
    found = {name: value for name, value in changes.items() if value is not MISSING}
    if "amount" in found:
        found["amount"] = quantity_text(found["amount"])
    return found


def _document(row) -> dict[str, Any]:
    return {**loads(row["data"]), "id": row["id"], "taxid": row["id"]}


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    changes = _read_fields(payload, creating=True)
    now = clock.utc_now()
    data = {
        "accounting_systemid": business["account_id"],
        "amount": changes["amount"],
        "compound": bool(changes.get("compound", False)),
        "name": changes["name"],
        "number": changes.get("number"),
        "updated": clock.eastern(now),
    }
    cursor = transaction.execute(
        "INSERT INTO taxes (account_id, updated_at, data) VALUES (?, ?, ?)",
        (business["account_id"], clock.stamp(now), dumps(data)),
    )
    emit(transaction, business, "tax", "create", cursor.lastrowid, identity_id)
    return get(transaction, business["account_id"], cursor.lastrowid)


def get(transaction: Transaction, account_id: str, tax_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT * FROM taxes WHERE account_id = ? AND id = ?", (account_id, tax_id)
    )
    if row is None:
        raise NotFound("tax", "taxid", tax_id)
    return _document(row)


def update(
    transaction: Transaction,
    business: dict[str, Any],
    tax_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    current = get(transaction, business["account_id"], tax_id)
    changes = _read_fields(payload, creating=False)
    if "name" in changes and not changes["name"].strip():
        raise ValidationFailed({"name": FieldError("required", "field required")}, "tax")
    now = clock.utc_now()
    data = {key: value for key, value in current.items() if key not in ("id", "taxid")}
    data.update(changes)
    data["updated"] = clock.eastern(now)
    transaction.execute(
        "UPDATE taxes SET updated_at = ?, data = ? WHERE id = ?",
        (clock.stamp(now), dumps(data), tax_id),
    )
    emit(transaction, business, "tax", "update", tax_id, identity_id)
    return get(transaction, business["account_id"], tax_id)


def delete(
    transaction: Transaction, business: dict[str, Any], tax_id: int, *, identity_id: int
) -> dict[str, Any]:
    current = get(transaction, business["account_id"], tax_id)
    transaction.execute("DELETE FROM taxes WHERE id = ?", (tax_id,))
    emit(transaction, business, "tax", "delete", tax_id, identity_id)
    return current


def search(
    transaction: Transaction, account_id: str, filters: dict[str, Any], window: Window
) -> tuple[list[dict[str, Any]], int]:
    """Filters: ``updated_min``/``updated_max`` (aware datetimes), ``taxids`` (a list)."""
    clauses, parameters = ["account_id = ?"], [account_id]
    for name, operator in (("updated_min", ">="), ("updated_max", "<=")):
        if name in filters:
            clauses.append(f"updated_at {operator} ?")
            parameters.append(clock.stamp(filters[name]))
    rows = transaction.all(
        f"SELECT * FROM taxes WHERE {' AND '.join(clauses)} ORDER BY id",  # noqa: S608 - constants
        parameters,
    )
    found = [_document(row) for row in rows]
    if "taxids" in filters:
        found = [tax for tax in found if tax["id"] in filters["taxids"]]
    return window.cut(found), len(found)
