"""FreshBooks expense and tax bodies → their mirrors' columns (see ``mappers`` for the rules).

An expense is mirrored even when its amount is missing or its currency is not a currency code:
the mirror stays current and the billing rules list it under "not billed" with that reason, rather
than the sync hiding it. A tax whose percent is not 0 to 100 is kept with no percent, for the
same reason (the preview says which tax is unusable).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from connections.freshbooks import parse_accounting_datetime, parse_date
from invoicing.sync.mappers import _flag, _id, _lenient, _money, _optional_id

HUNDRED = Decimal(100)
STATUSES = (0, 1, 2, 4)


def _money_amount(value: Any) -> Decimal | None:
    """``{"amount": "54.00", "code": "CAD"}`` → 54.00; None when absent or not a number."""
    if not isinstance(value, dict):
        return None
    amount = _money(value.get("amount"))
    if amount is None or abs(amount) >= Decimal(10) ** 12:
        return None
    return amount.quantize(Decimal("0.01"))


def _percent(value: Any) -> Decimal | None:
    percent = _money(value)
    return percent if percent is not None and 0 <= percent <= HUNDRED else None


def _day(value: Any) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def expense_columns(raw: dict[str, Any]) -> dict[str, Any]:
    given = raw.get("amount")
    amount: dict[str, Any] = given if isinstance(given, dict) else {}
    status = raw.get("status")
    markup = _money(raw.get("markup_percent"))
    return {
        "freshbooks_id": _id(raw, "id", "expenseid"),
        "client_freshbooks_id": _optional_id(raw.get("clientid")),
        "project_freshbooks_id": _optional_id(raw.get("projectid")),
        "category_freshbooks_id": _optional_id(raw.get("categoryid")),
        "invoice_freshbooks_id": _optional_id(raw.get("invoiceid")),
        "date": _day(raw.get("date")),
        "amount": _money_amount(amount),
        "currency_code": _text(amount.get("code"), 3).upper(),
        "vendor": _text(raw.get("vendor"), 255),
        "notes": _text(raw.get("notes"), 10_000),
        "billable": _flag(raw, "billable", False),
        "markup_percent": markup if markup is not None and 0 <= markup < 10**6 else Decimal(0),
        "tax_name1": _text(raw.get("taxName1"), 40),
        "tax_percent1": _percent(raw.get("taxPercent1")),
        "tax_amount1": _money_amount(raw.get("taxAmount1")),
        "tax_name2": _text(raw.get("taxName2"), 40),
        "tax_percent2": _percent(raw.get("taxPercent2")),
        "tax_amount2": _money_amount(raw.get("taxAmount2")),
        "compounded_tax": _flag(raw, "compounded_tax", False),
        "status": status if status in STATUSES else 0,
        "active": raw.get("vis_state", 0) == 0,
        "updated_remote": _lenient(parse_accounting_datetime, raw.get("updated")),
    }


def tax_columns(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "freshbooks_id": _id(raw, "id", "taxid"),
        "name": _text(raw.get("name"), 40),
        "percent": _percent(raw.get("amount")),
        "number": _text(raw.get("number"), 40),
        "compound": _flag(raw, "compound", False),
        "active": True,
        "updated_remote": _lenient(parse_accounting_datetime, raw.get("updated")),
    }
