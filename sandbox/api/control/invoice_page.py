"""``GET /_sandbox/invoices/{account_id}/{invoice_id}``: the invoice as FreshBooks' own invoice page
shows it, so a draft created in the sandbox can be opened and read without FreshBooks.

An HTML page (the rest of the control API is JSON): the business, number, status, client, dates,
lines (with their taxes), subtotal, discount, taxes by name when present, total and amount due,
and the notes. A deleted invoice is still shown, marked deleted, as FreshBooks keeps it. Like
every control route it is served only in control mode, never counted, and has no login: the
sandbox has no passwords.
"""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response

from sandbox.api.common import runtime
from sandbox.errors import NotFound
from sandbox.store import identities, invoices
from sandbox.store.invoice_amounts import tax_summary
from sandbox.validation import money_text

blueprint = Blueprint("invoice_page", __name__)

# FreshBooks' business date formats.
DATE_FORMATS = {"mm/dd/yyyy": "%m/%d/%Y", "dd/mm/yyyy": "%d/%m/%Y", "yyyy-mm-dd": "%Y-%m-%d"}
VIS_STATES = {1: "Deleted", 2: "Archived"}
DEFAULT_ACCENT = "#345beb"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1b2430; background: #eef1f4; line-height: 1.45; }
.sandbox-bar { background: #1b2430; color: #fff; font-size: .85rem; padding: .45rem 1rem; }
.sheet { background: #fff; width: min(860px, 100% - 1.5rem); margin: 1.25rem auto 2rem;
  padding: 2rem; border-radius: 6px; box-shadow: 0 1px 3px rgba(0, 0, 0, .12); }
.head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 1rem;
  border-bottom: 4px solid var(--accent, #345beb); padding-bottom: 1rem; margin-bottom: 1.25rem; }
h1 { margin: 0 0 .35rem; font-size: 1.7rem; }
.business { text-align: right; color: #55606e; }
.business strong { color: #1b2430; display: block; font-size: 1.05rem; }
.status { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-weight: 600;
  font-size: .85rem; border: 1px solid currentColor; }
.status-draft { color: #55606e; } .status-sent, .status-viewed { color: #0b5cad; }
.status-paid { color: #1e7b34; } .status-deleted, .status-archived { color: #b42318; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 1rem;
  margin: 0 0 1.5rem; }
.facts div { margin: 0; } .facts dt { color: #55606e; font-size: .85rem; }
.facts dd { margin: 0; font-weight: 600; }
.due { font-size: 1.35rem; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: .55rem .5rem; border-bottom: 1px solid #d8dde3; text-align: left;
  vertical-align: top; }
th { color: #55606e; font-size: .85rem; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.desc, .tax { color: #55606e; font-size: .9rem; white-space: pre-line; }
.totals { width: min(100%, 22rem); margin: 1rem 0 0 auto; }
.totals th { text-align: left; color: #1b2430; font-size: 1rem; font-weight: 400; }
.totals .grand th, .totals .grand td { font-weight: 700; border-bottom: 2px solid #1b2430; }
.notes { margin-top: 1.5rem; color: #55606e; white-space: pre-line; }
@media (max-width: 600px) { .sheet { padding: 1rem; } .business { text-align: left; }
  .lines thead { display: none; } .lines tr { display: block; padding: .4rem 0;
  border-bottom: 1px solid #d8dde3; } .lines td { display: block; border: 0; padding: .1rem 0; }
  .lines td.num { text-align: left; } .lines td[data-label]::before {
  content: attr(data-label) ": "; color: #55606e; } }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _date(value: str | None, date_format: str) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).strftime(DATE_FORMATS.get(date_format, "%Y-%m-%d"))
    except ValueError:
        return value


def _money(document: dict[str, Any] | None) -> str:
    if not document:
        return ""
    return money_text(Decimal(document["amount"]))


def _status(invoice: dict[str, Any]) -> str:
    return VIS_STATES.get(invoice["vis_state"]) or str(invoice["v3_status"]).capitalize()


def _client(invoice: dict[str, Any]) -> str:
    person = " ".join(part for part in (invoice.get("fname"), invoice.get("lname")) if part)
    place = ", ".join(
        part
        for part in (invoice.get("city"), invoice.get("province"), invoice.get("country"))
        if part
    )
    rows = [invoice.get("organization"), person, invoice.get("street"), place]
    seen: list[str] = []
    for row in rows:
        if row and row not in seen:
            seen.append(row)
    return "<br>".join(_e(row) for row in seen) or "—"


def _line_rows(invoice: dict[str, Any]) -> str:
    rows = []
    for line in invoice["lines"]:
        taxes = [
            f"{name} {rate}%"
            for name, rate in (
                (line.get("taxName1"), line.get("taxAmount1")),
                (line.get("taxName2"), line.get("taxAmount2")),
            )
            if name or (rate and Decimal(rate))
        ]
        tax_note = f"<div class='tax'>Tax: {_e(', '.join(taxes))}</div>" if taxes else ""
        description = line.get("description") or ""
        rows.append(
            "<tr>"
            f"<td data-label='Item'><strong>{_e(line.get('name'))}</strong>"
            f"{f'<div class=desc>{_e(description)}</div>' if description else ''}{tax_note}</td>"
            f"<td class='num' data-label='Rate'>{_e(line['unit_cost']['amount'])}</td>"
            f"<td class='num' data-label='Qty'>{_e(line['qty'])}</td>"
            f"<td class='num' data-label='Line total'>{_e(_money(line['amount']))}</td>"
            "</tr>"
        )
    if not rows:
        rows.append("<tr><td colspan='4'>No lines.</td></tr>")
    return "".join(rows)


def _total_rows(invoice: dict[str, Any]) -> str:
    code = invoice["currency_code"]
    subtotal = sum((Decimal(line["amount"]["amount"]) for line in invoice["lines"]), Decimal(0))
    rows = [("Subtotal", money_text(subtotal), "")]
    discount = Decimal(invoice["discount_total"]["amount"])
    if discount:
        label = invoice.get("discount_description") or f"Discount ({invoice['discount_value']}%)"
        rows.append((label, money_text(discount), ""))
    rows.extend(
        (f"{tax['name']} ({tax['rate']}%)", money_text(tax["amount"]), "tax-total")
        for tax in tax_summary(invoice)
    )
    rows.append((f"Total ({code})", _money(invoice["amount"]), "grand"))
    if Decimal(invoice["paid"]["amount"]):
        rows.append(("Amount paid", _money(invoice["paid"]), ""))
    rows.append((f"Amount due ({code})", _money(invoice["outstanding"]), ""))
    return "".join(
        f"<tr class='{css}'><th scope='row'>{_e(label)}</th><td class='num'>{_e(value)}</td></tr>"
        for label, value, css in rows
    )


def _page(title: str, body: str, status: int = 200, accent: str = DEFAULT_ACCENT) -> Response:
    accent = accent if COLOUR.fullmatch(accent) else DEFAULT_ACCENT
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)} · FreshBooks sandbox</title>"
        f"<style>:root {{ --accent: {accent}; }}{STYLE}</style></head>"
        "<body><div class='sandbox-bar'>FreshBooks sandbox: "
        "the invoice as FreshBooks' invoice page shows it</div>"
        f"<main class='sheet'>{body}</main></body></html>"
    )
    return Response(document, status=status, mimetype="text/html")


def invoice_html(invoice: dict[str, Any], business: dict[str, Any]) -> str:
    date_format = business["data"].get("date_format", "yyyy-mm-dd")
    status = _status(invoice)
    code = invoice["currency_code"]
    reference = (
        f"<div><dt>Reference</dt><dd>{_e(invoice['po_number'])}</dd></div>"
        if invoice.get("po_number")
        else ""
    )
    notes = (
        f"<section class='notes'><strong>Notes</strong>\n{_e(invoice['notes'])}</section>"
        if invoice.get("notes")
        else ""
    )
    return (
        "<div class='head'><div>"
        f"<h1>Invoice <span data-invoice-number>{_e(invoice['invoice_number'])}</span></h1>"
        f"<span class='status status-{_e(status.lower())}' data-status>{_e(status)}</span></div>"
        f"<div class='business'><strong>{_e(business['name'])}</strong>"
        f"{_e(business['data'].get('address', {}).get('city', ''))}</div></div>"
        "<dl class='facts'>"
        f"<div><dt>Billed to</dt><dd data-client>{_client(invoice)}</dd></div>"
        f"<div><dt>Date of issue</dt><dd data-date>{_e(_date(invoice['create_date'], date_format))}"
        "</dd></div>"
        f"<div><dt>Due date</dt><dd>{_e(_date(invoice.get('due_date'), date_format))}</dd></div>"
        f"<div><dt>Invoice number</dt><dd>{_e(invoice['invoice_number'])}</dd></div>"
        f"{reference}"
        f"<div><dt>Amount due ({_e(code)})</dt>"
        f"<dd class='due'>{_e(_money(invoice['outstanding']))}</dd></div></dl>"
        "<table class='lines'><caption hidden>Lines</caption><thead><tr><th scope='col'>Item</th>"
        "<th scope='col' class='num'>Rate</th><th scope='col' class='num'>Qty</th>"
        "<th scope='col' class='num'>Line total</th></tr></thead>"
        f"<tbody>{_line_rows(invoice)}</tbody></table>"
        f"<table class='totals' data-totals>{_total_rows(invoice)}</table>"
        f"{notes}"
    )


@blueprint.get("/invoices/<account_id>/<int:invoice_id>")
def invoice_page(account_id: str, invoice_id: int) -> Response:
    with runtime().db.reading() as reader:
        business = identities.business_by_account(reader, account_id)
        try:
            invoice = invoices.get(reader, account_id, invoice_id) if business else None
        except NotFound:
            invoice = None
    if business is None or invoice is None:
        return _page(
            "Invoice not found",
            "<h1>Invoice not found</h1><p>This FreshBooks account holds no invoice with that "
            "id.</p>",
            status=404,
        )
    accent = str(invoice.get("presentation", {}).get("theme_primary_color") or DEFAULT_ACCENT)
    return _page(
        f"Invoice {invoice['invoice_number']}", invoice_html(invoice, business), accent=accent
    )
