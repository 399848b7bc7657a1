"""Invoice line documents and the totals computed from them: the rounding rules, in one place.

- Each line's ``amount`` is ``qty × unit_cost`` rounded half-up to cents. The invoice ``amount`` is
  the sum of line amounts, less ``discount_value`` percent (``discount_total``, rounded to cents),
  plus line taxes computed on the discounted line amounts (rounded once, on the total). This
  reproduces the recorded invoice (4 × 5.00 with 13% tax, 6 × 4.00, 10% off = 41.94). With no
  discount and no tax, the amount is exactly the sum of the line amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.validation import decimal_text, money_text, quantity_text, round_cents

# status -> (v3_status, display_status, payment_status)
STATUSES = {
    1: ("draft", "draft", "unpaid"),
    2: ("sent", "sent", "unpaid"),
    3: ("viewed", "viewed", "unpaid"),
    4: ("paid", "sent", "paid"),
}


def money(amount: Decimal, code: str) -> dict[str, str]:
    return {"amount": money_text(amount), "code": code}


def line_documents(lines: list[dict], invoice_id: int, code: str, updated: str) -> list[dict]:
    documents = []
    for number, line in enumerate(lines, start=1):
        qty, unit_cost = line["qty"], line["unit_cost"]
        documents.append(
            {
                "lineid": number,
                "invoiceid": invoice_id,
                "type": line.get("type", 0),
                "name": line.get("name") or "",
                "description": line.get("description") or "",
                "qty": quantity_text(qty),
                "unit_cost": {"amount": decimal_text(unit_cost), "code": code},
                "amount": money(round_cents(qty * unit_cost), code),
                "taxName1": line.get("taxName1") or "",
                "taxAmount1": quantity_text(line.get("taxAmount1") or Decimal(0)),
                "taxNumber1": line.get("taxNumber1"),
                "taxName2": line.get("taxName2"),
                "taxAmount2": quantity_text(line.get("taxAmount2") or Decimal(0)),
                "taxNumber2": line.get("taxNumber2"),
                "compounded_tax": bool(line.get("compounded_tax")),
                "expenseid": line.get("expenseid", 0),
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


def recompute(invoice: dict[str, Any]) -> None:
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
    invoice["amount"] = money(amount, code)
    invoice["discount_total"] = money(discount_total, code)
    invoice["paid"] = money(paid, code)
    invoice["net_paid_amount"] = money(paid, code)
    invoice["outstanding"] = money(amount - paid, code)
    invoice["v3_status"], invoice["display_status"], invoice["payment_status"] = STATUSES[
        invoice["status"]
    ]


def tax_summary(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """The invoice's taxes by name and rate, as its page lists them under the subtotal.

    Computed as ``recompute`` does (on the discounted line amounts, a compound second tax on the
    amount plus the first tax). The invoice rounds its tax once, on the total, so any rounding
    difference (under a cent per tax) goes to the last tax and the page adds up to ``amount``.
    """
    discount_rate = Decimal(invoice["discount_value"]) / 100
    taxes: dict[tuple[str, Decimal], Decimal] = {}
    for line in invoice["lines"]:
        taxable = Decimal(line["amount"]["amount"]) * (1 - discount_rate)
        first_rate, second_rate = Decimal(line["taxAmount1"]), Decimal(line["taxAmount2"])
        first = taxable * first_rate / 100
        base = taxable + first if line["compounded_tax"] else taxable
        for name, rate, amount in (
            (line["taxName1"], first_rate, first),
            (line["taxName2"], second_rate, base * second_rate / 100),
        ):
            if name or rate:
                key = (name or "Tax", rate)
                taxes[key] = taxes.get(key, Decimal(0)) + amount
    if not taxes:
        return []
    summary = [
        {"name": name, "rate": quantity_text(rate), "amount": round_cents(amount)}
        for (name, rate), amount in taxes.items()
    ]
    difference = round_cents(sum(taxes.values(), Decimal(0))) - sum(
        (item["amount"] for item in summary), Decimal(0)
    )
    summary[-1]["amount"] += difference
    return summary
