"""Reading an invoice create or update payload: which fields may change, and how lines are checked.

- ``customerid`` and ``create_date`` are required on create; ``due_date`` is read-only (403, errno
  1038); ``status`` must be a number (errno 1015) and only 0-3 can be written;
  ``action_mark_as_sent`` sends.
- A line's ``unit_cost.code`` must be the invoice's currency (stricter than FreshBooks is known to
  be: a mismatch is a 422 rather than a silently mixed invoice).
- A line of ``type`` 1 rebills an expense and needs ``expenseid`` (what that does to the expense is
  in ``expense_billing``); other lines are type 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.db import Transaction
from sandbox.errors import FieldError, ValidationFailed
from sandbox.store import clients
from sandbox.validation import MISSING, Fields

TEXT_FIELDS = ("notes", "terms", "po_number", "description", "discount_description", "language")


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
        if line_type not in (MISSING, None, 0, 1):
            line_fields.fail("type", "invalid", "type must be 0 (normal) or 1 (expense)")
        expense_id = line_fields.integer("expenseid")
        if line_type == 1 and expense_id in (MISSING, None, 0):
            line_fields.fail("expenseid", "required", "An expense line (type 1) needs expenseid")
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
        line["type"] = 1 if line_type == 1 else 0
        line["expenseid"] = expense_id if line_type == 1 else 0
        line["unit_cost"] = amount
        lines.append(line)
    return lines


def read_fields(
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
