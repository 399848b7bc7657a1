"""Invoices (reference §7).

- New invoices are drafts (status 1, ``v3_status`` "draft"). What a payload may set, and how it is
  checked, is in ``invoice_payloads``; the amounts and status labels recomputed on every save are
  in ``invoice_amounts``.
- PUT with ``lines`` replaces every line. A PUT containing ``vis_state`` applies only ``vis_state``.
  HTTP DELETE and ``vis_state: 1`` both delete; a deleted invoice can still be fetched by id and is
  listed only with ``search[vis_state]=1``. Updating a deleted invoice is errno 1011.
- Invoice numbers default to a per-account sequence, zero-padded to 7 digits.
- ``lines`` and ``presentation`` are returned only when asked with ``include[]``.
- Expense lines (type 1) bill and release their expenses (``expense_billing``).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import clients, expense_billing
from sandbox.store.common import Window, emit
from sandbox.store.invoice_amounts import line_documents, recompute
from sandbox.store.invoice_payloads import read_fields
from sandbox.validation import LARGEST_ID, Fields, quantity_text

STATUS_NAMES = {"draft": 1, "sent": 2, "viewed": 3, "paid": 4}
INCLUDABLE = ("lines", "presentation")


def _next_number(transaction: Transaction, account_id: str) -> str:
    key = f"invoice_number:{account_id}"
    row = transaction.one("SELECT value FROM meta WHERE key = ?", (key,))
    number = int(row["value"]) + 1 if row else 1
    transaction.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        (key, str(number)),
    )
    return f"{number:07d}"


def _apply_client(invoice: dict[str, Any], client: dict[str, Any]) -> None:
    invoice.update(
        {
            "customerid": client["id"],
            "fname": client["fname"],
            "lname": client["lname"],
            "organization": client["organization"],
            "current_organization": client["organization"],
            "street": client["p_street"],
            "street2": client["p_street2"],
            "city": client["p_city"],
            "province": client["p_province"],
            "code": client["p_code"],
            "country": client["p_country"],
            "vat_name": client["vat_name"],
            "vat_number": client["vat_number"] or "",
        }
    )


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    account_id = business["account_id"]
    peek = payload.get("customerid") if isinstance(payload, dict) else None
    client_currency = business["currency_code"]
    known_client = isinstance(peek, int) and not isinstance(peek, bool) and 0 < peek <= LARGEST_ID
    if known_client and clients.exists(transaction, account_id, peek):
        client_currency = clients.get(transaction, account_id, peek)["currency_code"]
    changes = read_fields(transaction, business, payload, creating=True, code=client_currency)
    client = clients.get(transaction, account_id, changes["customerid"])
    now = clock.utc_now()
    create_date = changes["create_date"]
    invoice: dict[str, Any] = {
        "accountid": account_id,
        "accounting_systemid": account_id,
        "address": "",
        "auto_bill": False,
        "autobill_status": None,
        "basecampid": 0,
        "create_date": create_date,
        "created_at": clock.eastern(now),
        "currency_code": client["currency_code"],
        "date_paid": None,
        "deposit_amount": None,
        "deposit_percentage": None,
        "deposit_status": "none",
        "description": "",
        "discount_description": None,
        "discount_value": "0",
        "dispute_status": None,
        "due_offset_days": 0,
        "estimateid": 0,
        "ext_archive": 0,
        "fulfillment_date": create_date,
        "generation_date": None,
        "gmail": False,
        "id": None,
        "invoice_number": None,
        "invoiceid": None,
        "language": "en",
        "last_order_status": None,
        "notes": "",
        "ownerid": 1,
        "parent": 0,
        "payment_details": "",
        "po_number": None,
        "return_uri": None,
        "sentid": 0,
        "show_attachments": False,
        "status": 1,
        "template": "clean-grouped",
        "terms": None,
        "uuid": str(uuid.uuid4()),
        "vis_state": 0,
    }
    _apply_client(invoice, client)
    lines = changes.pop("lines", [])
    invoice.update(changes)
    expense_billing.check(transaction, invoice, lines)
    for name in ("notes", "description"):
        invoice[name] = invoice[name] or ""
    invoice["discount_value"] = quantity_text(Decimal(invoice["discount_value"]))
    cursor = transaction.execute(
        "INSERT INTO invoices (account_id, customerid, create_date, invoice_number, vis_state, "
        "updated_at, data) VALUES (?, ?, ?, '', 0, ?, '{}')",
        (account_id, invoice["customerid"], create_date, clock.stamp(now)),
    )
    invoice["id"] = invoice["invoiceid"] = cursor.lastrowid
    invoice["invoice_number"] = invoice.get("invoice_number") or _next_number(
        transaction, account_id
    )
    invoice["lines"] = line_documents(
        lines, invoice["id"], invoice["currency_code"], clock.eastern(now)
    )
    invoice["presentation"] = _presentation(invoice["id"], business)
    _save(transaction, invoice, now)
    expense_billing.settle(transaction, business, invoice, identity_id)
    emit(transaction, business, "invoice", "create", invoice["id"], identity_id)
    return invoice


def _presentation(invoice_id: int, business: dict[str, Any]) -> dict[str, Any]:
    return {
        "date_format": business["data"]["date_format"],
        "description_heading": None,
        "hours_heading": None,
        "image_banner_position_y": 0,
        "image_banner_src": "/uploads/images/sandbox-banner",
        "image_logo_src": "/uploads/images/sandbox-logo",
        "invoiceid": invoice_id,
        "item_heading": None,
        "label": None,
        "quantity_heading": None,
        "rate_heading": None,
        "task_heading": None,
        "theme_font_name": "modern",
        "theme_layout": "simple",
        "theme_primary_color": "#345beb",
        "time_entry_notes_heading": None,
        "unit_cost_heading": None,
    }


def _save(transaction: Transaction, invoice: dict[str, Any], now) -> None:
    due = date.fromisoformat(invoice["create_date"]) + timedelta(days=invoice["due_offset_days"])
    invoice["due_date"] = due.isoformat()
    invoice["updated"] = clock.eastern(now)
    invoice["version"] = clock.eastern_version(now)
    recompute(invoice)
    transaction.execute(
        "UPDATE invoices SET customerid = ?, create_date = ?, invoice_number = ?, vis_state = ?, "
        "updated_at = ?, data = ? WHERE id = ?",
        (
            invoice["customerid"],
            invoice["create_date"],
            invoice["invoice_number"],
            invoice["vis_state"],
            clock.stamp(now),
            dumps(invoice),
            invoice["id"],
        ),
    )


def get(transaction: Transaction, account_id: str, invoice_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT data FROM invoices WHERE account_id = ? AND id = ?", (account_id, invoice_id)
    )
    if row is None:
        raise NotFound("invoice", "invoiceid", invoice_id)
    return loads(row["data"])


def shaped(invoice: dict[str, Any], includes: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The invoice as served: ``lines`` and ``presentation`` only when included."""
    return {
        key: value for key, value in invoice.items() if key not in INCLUDABLE or key in includes
    }


def update(
    transaction: Transaction,
    business: dict[str, Any],
    invoice_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    invoice = get(transaction, business["account_id"], invoice_id)
    now = clock.utc_now()
    if isinstance(payload, dict) and "vis_state" in payload:
        fields = Fields(payload, "invoice")
        vis_state = fields.choice("vis_state", (0, 1, 2), nullable=False)
        fields.check()
        verb = "delete" if vis_state == 1 and invoice["vis_state"] != 1 else "update"
        invoice["vis_state"] = vis_state
        if vis_state != 1:
            expense_billing.check(transaction, invoice, invoice["lines"])
        _save(transaction, invoice, now)
        expense_billing.settle(transaction, business, invoice, identity_id)
        emit(transaction, business, "invoice", verb, invoice_id, identity_id)
        return invoice
    if invoice["vis_state"] == 1:
        raise ValidationFailed(
            {"invoiceid": FieldError("deleted", "This invoice has been deleted.", invoice_id)},
            "invoice",
        )
    changes = read_fields(
        transaction, business, payload, creating=False, code=invoice["currency_code"]
    )
    lines = changes.pop("lines", None)
    if "customerid" in changes and changes["customerid"] != invoice["customerid"]:
        _apply_client(
            invoice, clients.get(transaction, business["account_id"], changes["customerid"])
        )
    invoice.update(changes)
    if "discount_value" in changes:
        invoice["discount_value"] = quantity_text(changes["discount_value"])
    if lines is not None:
        invoice["lines"] = line_documents(
            lines, invoice_id, invoice["currency_code"], clock.eastern(now)
        )
    elif "currency_code" in changes:
        for line in invoice["lines"]:
            line["unit_cost"]["code"] = line["amount"]["code"] = invoice["currency_code"]
    if lines is not None:
        expense_billing.check(transaction, invoice, invoice["lines"])
    _save(transaction, invoice, now)
    expense_billing.settle(transaction, business, invoice, identity_id)
    emit(transaction, business, "invoice", "update", invoice_id, identity_id)
    return invoice


def delete(
    transaction: Transaction, business: dict[str, Any], invoice_id: int, *, identity_id: int
) -> dict[str, Any]:
    return update(transaction, business, invoice_id, {"vis_state": 1}, identity_id=identity_id)


def set_status(
    transaction: Transaction,
    business: dict[str, Any],
    invoice_id: int,
    status_name: str,
    *,
    identity_id: int,
) -> dict[str, Any]:
    """What a FreshBooks user does in the UI: send, a client views, a payment arrives."""
    if status_name not in STATUS_NAMES:
        raise ValidationFailed(
            {"status": FieldError("invalid", f"status must be one of {', '.join(STATUS_NAMES)}")},
            "invoice",
        )
    invoice = get(transaction, business["account_id"], invoice_id)
    now = clock.utc_now()
    invoice["status"] = STATUS_NAMES[status_name]
    invoice["date_paid"] = now.date().isoformat() if status_name == "paid" else None
    if status_name != "draft":
        invoice["sentid"] = 1
    _save(transaction, invoice, now)
    emit(transaction, business, "invoice", "update", invoice_id, identity_id)
    return invoice


def search(
    transaction: Transaction, account_id: str, filters: dict[str, Any], window: Window
) -> tuple[list[dict[str, Any]], int]:
    """Filters: ``customerids``, ``invoiceids`` (lists), ``invoice_number``, ``po_number``,
    ``v3_status``, ``vis_state``, ``date_min``/``date_max`` (ISO dates), ``updated_min``/
    ``updated_max`` (aware datetimes); ``sort`` is ``(field, descending)``."""
    clauses, parameters = ["account_id = ?"], [account_id]
    if "customerids" in filters:
        clauses.append("customerid IN (SELECT value FROM json_each(?))")
        parameters.append(json.dumps(filters["customerids"]))
    if "date_min" in filters:
        clauses.append("create_date >= ?")
        parameters.append(filters["date_min"])
    if "date_max" in filters:
        clauses.append("create_date <= ?")
        parameters.append(filters["date_max"])
    if "invoice_number" in filters:
        clauses.append("invoice_number = ?")
        parameters.append(filters["invoice_number"])
    vis_states = [filters["vis_state"]] if "vis_state" in filters else [0, 2]
    clauses.append("vis_state IN (SELECT value FROM json_each(?))")
    parameters.append(json.dumps(vis_states))
    if "updated_min" in filters:
        clauses.append("updated_at >= ?")
        parameters.append(clock.stamp(filters["updated_min"]))
    if "updated_max" in filters:
        clauses.append("updated_at <= ?")
        parameters.append(clock.stamp(filters["updated_max"]))
    field, descending = filters.get("sort", ("id", True))
    order = "DESC" if descending else "ASC"
    order_by = f"create_date {order}, id {order}" if field == "create_date" else f"id {order}"
    rows = transaction.all(
        f"SELECT data FROM invoices WHERE {' AND '.join(clauses)} "  # noqa: S608 - constants
        f"ORDER BY {order_by}",
        parameters,
    )
    matches = []
    for row in rows:
        invoice = loads(row["data"])
        if "invoiceids" in filters and invoice["id"] not in filters["invoiceids"]:
            continue
        if "po_number" in filters and invoice["po_number"] != filters["po_number"]:
            continue
        if "v3_status" in filters and invoice["v3_status"] != filters["v3_status"]:
            continue
        matches.append(invoice)
    return window.cut(matches), len(matches)


def all_for_account(transaction: Transaction, account_id: str) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT data FROM invoices WHERE account_id = ? ORDER BY id", (account_id,)
    )
    return [loads(row["data"]) for row in rows]
