"""Invoices (reference §7).

- New invoices are drafts (status 1, ``v3_status`` "draft"); ``customerid`` and ``create_date`` are
  required; ``due_date`` is read-only (403, errno 1038); ``status`` must be a number (errno 1015)
  and only 0-3 can be written; ``action_mark_as_sent`` sends.
- Each line's ``amount`` is ``qty × unit_cost`` rounded half-up to cents. The invoice ``amount`` is
  the sum of line amounts, less ``discount_value`` percent (``discount_total``, rounded to cents),
  plus line taxes computed on the discounted line amounts (rounded once, on the total). This
  reproduces the recorded invoice (4 × 5.00 with 13% tax, 6 × 4.00, 10% off = 41.94). With no
  discount and no tax, the amount is exactly the sum of the line amounts.
- A line's ``unit_cost.code`` must be the invoice's currency (stricter than FreshBooks is known to
  be: a mismatch is a 422 rather than a silently mixed invoice).
- PUT with ``lines`` replaces every line. A PUT containing ``vis_state`` applies only ``vis_state``.
  HTTP DELETE and ``vis_state: 1`` both delete; a deleted invoice can still be fetched by id and is
  listed only with ``search[vis_state]=1``. Updating a deleted invoice is errno 1011.
- Invoice numbers default to a per-account sequence, zero-padded to 7 digits.
- ``lines`` and ``presentation`` are returned only when asked with ``include[]``.
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
from sandbox.store import clients
from sandbox.store.common import Window, emit
from sandbox.validation import (
    LARGEST_ID,
    MISSING,
    Fields,
    decimal_text,
    money_text,
    quantity_text,
    round_cents,
)

# status -> (v3_status, display_status, payment_status)
STATUSES = {
    1: ("draft", "draft", "unpaid"),
    2: ("sent", "sent", "unpaid"),
    3: ("viewed", "viewed", "unpaid"),
    4: ("paid", "sent", "paid"),
}
STATUS_NAMES = {"draft": 1, "sent": 2, "viewed": 3, "paid": 4}
INCLUDABLE = ("lines", "presentation")
TEXT_FIELDS = ("notes", "terms", "po_number", "description", "discount_description", "language")


def _money(amount: Decimal, code: str) -> dict[str, str]:
    return {"amount": money_text(amount), "code": code}


def _read_lines(fields: Fields, currency_code: str | None) -> Any:
    if not fields.has("lines"):
        return MISSING
    raw = fields.payload["lines"]
    if not isinstance(raw, list):
        fields.fail("lines", "invalid", "lines must be a list")
        return MISSING
    lines = []
    for index, item in enumerate(raw):
        line_fields = Fields(item, "line")
        line_type = line_fields.integer("type")
        if line_type not in (MISSING, None, 0):
            line_fields.fail("type", "invalid", "Only type 0 (normal) lines are supported")
        qty = line_fields.decimal("qty", nullable=False)
        unit_cost = item.get("unit_cost", MISSING) if isinstance(item, dict) else MISSING
        amount, code = Decimal(0), currency_code
        if unit_cost is not MISSING:
            cost_fields = Fields(unit_cost, "unit_cost")
            parsed = cost_fields.decimal("amount", required=True, nullable=False, minimum=None)
            given_code = cost_fields.text("code", nullable=True, max_length=3)
            for name, error in cost_fields.errors.items():
                line_fields.errors.setdefault(f"unit_cost.{name}".replace(".__root__", ""), error)
            if parsed is not MISSING:
                amount = parsed
            if given_code not in (MISSING, None):
                code = given_code.upper()
                if currency_code is not None and code != currency_code:
                    line_fields.fail(
                        "unit_cost.code", "invalid", "Line currency must match the invoice"
                    )
        line = {
            "name": line_fields.text("name", max_length=255),
            "description": line_fields.text("description"),
            "taxName1": line_fields.text("taxName1", max_length=40),
            "taxName2": line_fields.text("taxName2", max_length=40),
            "taxNumber1": line_fields.text("taxNumber1", max_length=40),
            "taxNumber2": line_fields.text("taxNumber2", max_length=40),
            "taxAmount1": line_fields.decimal("taxAmount1"),
            "taxAmount2": line_fields.decimal("taxAmount2"),
            "compounded_tax": line_fields.boolean("compounded_tax"),
        }
        for name, error in line_fields.errors.items():
            fields.errors.setdefault(f"lines[{index}].{name}", error)
        if line_fields.errors:
            continue
        line = {name: value for name, value in line.items() if value is not MISSING}
        line["qty"] = Decimal(1) if qty is MISSING else qty
        line["unit_cost"] = amount
        lines.append(line)
    return lines


def _line_documents(lines: list[dict], invoice_id: int, code: str, updated: str) -> list[dict]:
    documents = []
    for number, line in enumerate(lines, start=1):
        qty, unit_cost = line["qty"], line["unit_cost"]
        documents.append(
            {
                "lineid": number,
                "invoiceid": invoice_id,
                "type": 0,
                "name": line.get("name") or "",
                "description": line.get("description") or "",
                "qty": quantity_text(qty),
                "unit_cost": {"amount": decimal_text(unit_cost), "code": code},
                "amount": _money(round_cents(qty * unit_cost), code),
                "taxName1": line.get("taxName1") or "",
                "taxAmount1": quantity_text(line.get("taxAmount1") or Decimal(0)),
                "taxNumber1": line.get("taxNumber1"),
                "taxName2": line.get("taxName2"),
                "taxAmount2": quantity_text(line.get("taxAmount2") or Decimal(0)),
                "taxNumber2": line.get("taxNumber2"),
                "compounded_tax": bool(line.get("compounded_tax")),
                "expenseid": 0,
                "date": None,
                "taskno": number,
                "basecampid": 0,
                "retainer_id": None,
                "retainer_period_id": None,
                "modern_project_id": None,
                "modern_time_entries": [],
                "updated": updated,
            }
        )
    return documents


def _recompute(invoice: dict[str, Any]) -> None:
    code = invoice["currency_code"]
    subtotal = sum((Decimal(line["amount"]["amount"]) for line in invoice["lines"]), Decimal(0))
    discount_rate = Decimal(invoice["discount_value"]) / 100
    discount_total = -round_cents(subtotal * discount_rate)
    tax = Decimal(0)
    for line in invoice["lines"]:
        taxable = Decimal(line["amount"]["amount"]) * (1 - discount_rate)
        first = taxable * Decimal(line["taxAmount1"]) / 100
        base = taxable + first if line["compounded_tax"] else taxable
        tax += first + base * Decimal(line["taxAmount2"]) / 100
    amount = subtotal + discount_total + round_cents(tax)
    paid = amount if invoice["status"] == 4 else Decimal(0)
    invoice["amount"] = _money(amount, code)
    invoice["discount_total"] = _money(discount_total, code)
    invoice["paid"] = _money(paid, code)
    invoice["net_paid_amount"] = _money(paid, code)
    invoice["outstanding"] = _money(amount - paid, code)
    invoice["v3_status"], invoice["display_status"], invoice["payment_status"] = STATUSES[
        invoice["status"]
    ]


def _read_fields(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, creating: bool, code: str
) -> dict[str, Any]:
    fields = Fields(payload, "invoice")
    if fields.has("due_date"):
        fields.fail(
            "due_date",
            "read_only",
            "Write access denied for field due_date. Set due_offset_days instead.",
        )
    changes: dict[str, Any] = {
        "customerid": fields.integer("customerid", required=creating, nullable=False),
        "due_offset_days": fields.integer("due_offset_days", nullable=False),
        "invoice_number": fields.text("invoice_number", nullable=False, max_length=40),
        "discount_value": fields.decimal("discount_value", nullable=False),
        "currency_code": fields.text("currency_code", nullable=False, max_length=3),
    }
    for name in TEXT_FIELDS:
        changes[name] = fields.text(name)
    create_date = fields.day("create_date", required=creating, nullable=False)
    if create_date is not MISSING:
        changes["create_date"] = create_date.isoformat()
    if fields.has("status"):
        status = fields.payload["status"]
        if isinstance(status, bool) or not isinstance(status, int):
            fields.fail("status", "number", "The field 'status' must be a number.", status)
        elif status not in (0, 1, 2, 3):
            fields.fail("status", "invalid", "Only statuses 0 to 3 can be set.", status)
        elif not creating:
            changes["status"] = max(status, 1)
    if fields.boolean("action_mark_as_sent") is True and not creating:
        changes["status"] = 2
    currency = changes["currency_code"]
    if currency is not MISSING:
        changes["currency_code"] = currency = currency.upper()
    changes["lines"] = _read_lines(fields, code if currency is MISSING else currency)
    fields.check()
    changes = {name: value for name, value in changes.items() if value is not MISSING}
    if "discount_value" in changes and changes["discount_value"] > 100:
        raise ValidationFailed(
            {"discount_value": FieldError("invalid", "Invalid percent value.")}, "invoice"
        )
    if "customerid" in changes and not clients.exists(
        transaction, business["account_id"], changes["customerid"]
    ):
        raise ValidationFailed(
            {"customerid": FieldError("unknown", "Client not found.", changes["customerid"])},
            "invoice",
        )
    return changes


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
    changes = _read_fields(transaction, business, payload, creating=True, code=client_currency)
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
    invoice["lines"] = _line_documents(
        lines, invoice["id"], invoice["currency_code"], clock.eastern(now)
    )
    invoice["presentation"] = _presentation(invoice["id"], business)
    _save(transaction, invoice, now)
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
    _recompute(invoice)
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
        _save(transaction, invoice, now)
        emit(transaction, business, "invoice", verb, invoice_id, identity_id)
        return invoice
    if invoice["vis_state"] == 1:
        raise ValidationFailed(
            {"invoiceid": FieldError("deleted", "This invoice has been deleted.", invoice_id)},
            "invoice",
        )
    changes = _read_fields(
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
        invoice["lines"] = _line_documents(
            lines, invoice_id, invoice["currency_code"], clock.eastern(now)
        )
    elif "currency_code" in changes:
        for line in invoice["lines"]:
            line["unit_cost"]["code"] = line["amount"]["code"] = invoice["currency_code"]
    _save(transaction, invoice, now)
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
