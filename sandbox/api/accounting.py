"""``/accounting/account/{account_id}``: clients and invoices (reference §6, §7).

Lists use the accounting envelope ``{"response":{"result":{<key>: [...], page, pages, per_page,
total}}}`` with a default page size of 15. Filters use ``search[...]``; unknown keys are ignored, as
FreshBooks does. ``search[updated_min]``/``updated_max`` are US/Eastern wall times (a bare date
covers the whole day). Invoice lists are newest first unless ``sort`` says
``invoice_date_asc|invoice_date_desc|create_date_asc|create_date_desc``.
HTTP DELETE of an invoice answers ``200 {"response": {}}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, jsonify, request

from sandbox import clock, errors
from sandbox.api.common import (
    accounting_list,
    authorize,
    includes,
    json_body,
    newer_format,
    page_window,
    runtime,
    staff_account,
)
from sandbox.errors import FieldError, ValidationFailed
from sandbox.store import clients, invoices
from sandbox.validation import LARGEST_ID, wrapped

blueprint = Blueprint("accounting", __name__)

CLIENTS = "/accounting/account/<account_id>/users/clients"
INVOICES = "/accounting/account/<account_id>/invoices/invoices"
LIKE_FIELDS = (
    "fname",
    "lname",
    "organization",
    "email",
    "note",
    "bus_phone",
    "p_street",
    "p_city",
)
INVOICE_SORTS = {
    "invoice_date_asc": ("create_date", False),
    "invoice_date_desc": ("create_date", True),
    "create_date_asc": ("create_date", False),
    "create_date_desc": ("create_date", True),
}


def _search(name: str) -> str | None:
    return request.args.get(f"search[{name}]")


def _search_ints(single: str, plural: str) -> list[int] | None:
    raw = request.args.getlist(f"search[{plural}][]") + request.args.getlist(f"search[{plural}]")
    if _search(single) is not None:
        raw.append(_search(single))
    if not raw:
        return None
    numbers = []
    for value in raw:
        if not value.strip().isdigit() or int(value) > LARGEST_ID:
            _raise_filter(single, "number", f"The field '{single}' must be a number.", value)
        numbers.append(int(value))
    return numbers


def _raise_filter(name: str, kind: str, message: str, value: str) -> None:
    failure = ValidationFailed({name: FieldError(kind, message, value)}, "search")
    raise errors.validation(errors.ACCOUNTING, failure, newer_format=newer_format())


def _search_eastern(name: str, *, end_of_day: bool) -> datetime | None:
    raw = _search(name)
    if raw is None:
        return None
    try:
        moment = clock.parse_eastern(raw)
    except ValueError:
        _raise_filter(name, "datetime", f"The field '{name}' must be a date or datetime.", raw)
    if end_of_day and len(raw.strip()) == 10:
        moment += timedelta(days=1, microseconds=-1)
    return moment


def _search_date(name: str) -> str | None:
    raw = _search(name)
    if raw is None:
        return None
    try:
        return clock.parse_date(raw.strip()).isoformat()
    except ValueError:
        _raise_filter(name, "date", f"The field '{name}' must be a date (YYYY-MM-DD).", raw)
    return None


def _vis_state() -> int | None:
    raw = _search("vis_state")
    if raw is None:
        return None
    if raw.strip() not in ("0", "1", "2"):
        _raise_filter("vis_state", "invalid", "vis_state must be 0, 1 or 2.", raw)
    return int(raw)


def _common_filters() -> dict:
    filters: dict = {}
    for name, end_of_day in (("updated_min", False), ("updated_max", True)):
        moment = _search_eastern(name, end_of_day=end_of_day)
        if moment is not None:
            filters[name] = moment
    vis_state = _vis_state()
    if vis_state is not None:
        filters["vis_state"] = vis_state
    return filters


# Clients.


@blueprint.get(CLIENTS)
def list_clients(account_id: str):
    filters = _common_filters()
    for name in ("email", "username"):
        if _search(name) is not None:
            filters[name] = _search(name)
    userids = _search_ints("userid", "userids")
    if userids is not None:
        filters["userids"] = userids
    like = {name: _search(f"{name}_like") for name in LIKE_FIELDS if _search(f"{name}_like")}
    if like:
        filters["like"] = like
    page, per_page, window = page_window(15)
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:clients:read")
        business = staff_account(reader, grant, account_id)
        found, total = clients.search(reader, business["account_id"], filters, window)
    return jsonify(accounting_list("clients", found, page, per_page, total))


@blueprint.post(CLIENTS)
def create_client(account_id: str):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:clients:write")
        business = staff_account(transaction, grant, account_id)
        client = clients.create(
            transaction,
            business,
            wrapped(json_body(), "client"),
            identity_id=grant.identity_id,
        )
    return jsonify({"response": {"result": {"client": client}}})


@blueprint.get(f"{CLIENTS}/<int:client_id>")
def get_client(account_id: str, client_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:clients:read")
        business = staff_account(reader, grant, account_id)
        client = clients.get(reader, business["account_id"], client_id)
        wanted = includes()
        if "outstanding_balance" in wanted or "grand_total_balance" in wanted:
            balances = clients.balances(reader, business["account_id"], client_id)
            client.update({key: value for key, value in balances.items() if key in wanted})
    return jsonify({"response": {"result": {"client": client}}})


@blueprint.put(f"{CLIENTS}/<int:client_id>")
def update_client(account_id: str, client_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:clients:write")
        business = staff_account(transaction, grant, account_id)
        client = clients.update(
            transaction,
            business,
            client_id,
            wrapped(json_body(), "client"),
            identity_id=grant.identity_id,
        )
    return jsonify({"response": {"result": {"client": client}}})


# Invoices.


@blueprint.get(INVOICES)
def list_invoices(account_id: str):
    filters = _common_filters()
    customerids = _search_ints("customerid", "customerids")
    if customerids is not None:
        filters["customerids"] = customerids
    invoiceids = _search_ints("invoiceid", "invoiceids")
    if invoiceids is not None:
        filters["invoiceids"] = invoiceids
    for name in ("date_min", "date_max"):
        value = _search_date(name)
        if value is not None:
            filters[name] = value
    for name in ("invoice_number", "po_number", "v3_status"):
        if _search(name) is not None:
            filters[name] = _search(name)
    if request.args.get("sort") in INVOICE_SORTS:
        filters["sort"] = INVOICE_SORTS[request.args["sort"]]
    page, per_page, window = page_window(15)
    wanted = includes()
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:invoices:read")
        business = staff_account(reader, grant, account_id)
        found, total = invoices.search(reader, business["account_id"], filters, window)
    shaped = [invoices.shaped(invoice, wanted) for invoice in found]
    return jsonify(accounting_list("invoices", shaped, page, per_page, total))


@blueprint.post(INVOICES)
def create_invoice(account_id: str):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:invoices:write")
        business = staff_account(transaction, grant, account_id)
        invoice = invoices.create(
            transaction,
            business,
            wrapped(json_body(), "invoice"),
            identity_id=grant.identity_id,
        )
    return jsonify({"response": {"result": {"invoice": invoices.shaped(invoice, includes())}}})


@blueprint.get(f"{INVOICES}/<int:invoice_id>")
def get_invoice(account_id: str, invoice_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:invoices:read")
        business = staff_account(reader, grant, account_id)
        invoice = invoices.get(reader, business["account_id"], invoice_id)
    return jsonify({"response": {"result": {"invoice": invoices.shaped(invoice, includes())}}})


@blueprint.put(f"{INVOICES}/<int:invoice_id>")
def update_invoice(account_id: str, invoice_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:invoices:write")
        business = staff_account(transaction, grant, account_id)
        invoice = invoices.update(
            transaction,
            business,
            invoice_id,
            wrapped(json_body(), "invoice"),
            identity_id=grant.identity_id,
        )
    return jsonify({"response": {"result": {"invoice": invoices.shaped(invoice, includes())}}})


@blueprint.delete(f"{INVOICES}/<int:invoice_id>")
def delete_invoice(account_id: str, invoice_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:invoices:write")
        business = staff_account(transaction, grant, account_id)
        invoices.delete(transaction, business, invoice_id, identity_id=grant.identity_id)
    return jsonify({"response": {}})
