"""Reading an expense create or update payload, and the taxes an expense carries.

- Create needs ``amount`` (``{"amount", "code"}``; the code defaults to the business's currency and
  must be a currency FreshBooks knows), ``categoryid`` (one of the account's categories),
  ``staffid`` and ``date``. ``clientid``/``projectid`` are 0 or an existing client/project.
- An expense's ``amount`` includes its taxes, as the recorded body shows (54.00 with 13% HST holds
  6.21 of tax: 54.00 − 54.00 / 1.13). Given ``taxPercentN``, the sandbox works ``taxAmountN`` out
  that way (a compound second tax on the amount plus the first); a given ``taxAmountN`` is kept as
  sent. A percent must be 0 to 100.
- ``markup_percent`` is a percent of at least 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import clients, expense_categories, projects
from sandbox.validation import MISSING, Fields, quantity_text, round_cents

HUNDRED = Decimal(100)
# ISO 4217 codes FreshBooks bills in (a subset: enough to tell a typo from a currency).
CURRENCIES = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BDT",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "GHS",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JMD",
        "JPY",
        "KES",
        "KRW",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TTD",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "XCD",
        "ZAR",
    ]
)


def _money(fields: Fields, name: str, *, required: bool, nullable: bool) -> Any:
    """``{"amount", "code"}`` → ``(Decimal, code or None)``; MISSING if absent, None if null."""
    raw = fields.payload.get(name, MISSING)
    if raw is MISSING or (raw is None and not nullable):
        if required or raw is None:
            fields.fail(name, "required", f"{name} is required.")
        return MISSING
    if raw is None:
        return None
    money_fields = Fields(raw, name)
    amount = money_fields.decimal("amount", required=True, nullable=False, minimum=None)
    code = money_fields.text("code", max_length=3)
    for key, error in money_fields.errors.items():
        fields.errors.setdefault(f"{name}.{key}".replace(".__root__", ""), error)
    if money_fields.errors:
        return MISSING
    if code not in (MISSING, None):
        code = code.upper()
        if code not in CURRENCIES:
            fields.fail(f"{name}.code", "invalid", f"Unknown currency code '{code}'.", code)
            return MISSING
    return amount, (None if code in (MISSING, None) else code)


def _percent(fields: Fields, name: str) -> Any:
    value = fields.decimal(name, minimum=None)
    if value not in (MISSING, None) and not Decimal(0) <= value <= HUNDRED:
        fields.fail(name, "invalid", f"{name} must be a percent from 0 to 100.", value)
        return MISSING
    return value


def read_fields(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, creating: bool
) -> dict[str, Any]:
    fields = Fields(payload, "expense")
    changes: dict[str, Any] = {
        "amount": _money(fields, "amount", required=creating, nullable=False),
        "categoryid": fields.integer("categoryid", required=creating, nullable=False),
        "staffid": fields.integer("staffid", required=creating, nullable=False),
        "clientid": fields.integer("clientid", nullable=False),
        "projectid": fields.integer("projectid", nullable=False),
        "billable": fields.boolean("billable"),
        "vendor": fields.text("vendor", max_length=255),
        "notes": fields.text("notes"),
        "markup_percent": fields.decimal("markup_percent"),
        "taxName1": fields.text("taxName1", max_length=40),
        "taxName2": fields.text("taxName2", max_length=40),
        "taxPercent1": _percent(fields, "taxPercent1"),
        "taxPercent2": _percent(fields, "taxPercent2"),
        "taxAmount1": _money(fields, "taxAmount1", required=False, nullable=True),
        "taxAmount2": _money(fields, "taxAmount2", required=False, nullable=True),
        "compounded_tax": fields.boolean("compounded_tax"),
        "vis_state": fields.choice("vis_state", (0, 1, 2), nullable=False),
    }
    day = fields.day("date", required=creating, nullable=False)
    if day is not MISSING:
        changes["date"] = day.isoformat()
    fields.check()
    changes = {name: value for name, value in changes.items() if value is not MISSING}
    account_id = business["account_id"]
    problems: dict[str, FieldError] = {}
    if "categoryid" in changes:
        expense_categories.ensure(transaction, account_id)
        try:
            expense_categories.get(transaction, account_id, changes["categoryid"])
        except NotFound:
            problems["categoryid"] = FieldError("unknown", "Category not found.")
    client_id = changes.get("clientid")
    if client_id and not clients.exists(transaction, account_id, client_id):
        problems["clientid"] = FieldError("unknown", "Client not found.", client_id)
    project_id = changes.get("projectid")
    if project_id and not projects.exists(transaction, business["business_id"], project_id):
        problems["projectid"] = FieldError("unknown", "Project not found.", project_id)
    if problems:
        raise ValidationFailed(problems, "expense")
    return changes


def apply_taxes(expense: dict[str, Any], changes: dict[str, Any]) -> None:
    """Set the expense's tax fields from what the payload sent (see the module docstring)."""
    code = expense["amount"]["code"]
    for number in (1, 2):
        if f"taxName{number}" in changes:
            expense[f"taxName{number}"] = changes[f"taxName{number}"]
        if f"taxPercent{number}" in changes:
            percent = changes[f"taxPercent{number}"]
            expense[f"taxPercent{number}"] = None if percent is None else quantity_text(percent)
        given = changes.get(f"taxAmount{number}", MISSING)
        if given is not MISSING:
            expense[f"taxAmount{number}"] = (
                None if given is None else {"amount": str(round_cents(given[0])), "code": code}
            )
    if "compounded_tax" in changes:
        expense["compounded_tax"] = changes["compounded_tax"]
    percents = [expense.get(f"taxPercent{number}") for number in (1, 2)]
    if not any(percents) or any(f"taxAmount{n}" in changes for n in (1, 2)):
        return
    first = Decimal(percents[0] or 0) / HUNDRED
    second = Decimal(percents[1] or 0) / HUNDRED
    total = Decimal(expense["amount"]["amount"])
    if expense.get("compounded_tax"):
        net = total / ((1 + first) * (1 + second))
        amounts = (net * first, (net + net * first) * second)
    else:
        net = total / (1 + first + second)
        amounts = (net * first, net * second)
    for number, (percent, amount) in enumerate(zip(percents, amounts, strict=True), start=1):
        expense[f"taxAmount{number}"] = (
            {"amount": str(round_cents(amount)), "code": code} if percent else None
        )
