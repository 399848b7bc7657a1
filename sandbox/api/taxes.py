"""``/accounting/account/{account_id}/taxes/taxes``: the business's taxes (``store.taxes``).

The accounting envelope and paging; filters ``search[updated_min]``/``updated_max`` and
``search[taxid]``/``taxids[]``. HTTP DELETE answers ``200 {"response": {}}`` (reference §7, the
Python SDK's test for taxes).
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from sandbox.api.accounting import _common_filters, _search_ints
from sandbox.api.common import (
    accounting_list,
    authorize,
    json_body,
    page_window,
    runtime,
    staff_account,
)
from sandbox.store import taxes
from sandbox.validation import wrapped

blueprint = Blueprint("taxes", __name__)

TAXES = "/accounting/account/<account_id>/taxes/taxes"


@blueprint.get(TAXES)
def list_taxes(account_id: str):
    filters = _common_filters()
    taxids = _search_ints("taxid", "taxids")
    if taxids is not None:
        filters["taxids"] = taxids
    page, per_page, window = page_window(15)
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:taxes:read")
        business = staff_account(reader, grant, account_id)
        found, total = taxes.search(reader, business["account_id"], filters, window)
    return jsonify(accounting_list("taxes", found, page, per_page, total))


@blueprint.post(TAXES)
def create_tax(account_id: str):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:taxes:write")
        business = staff_account(transaction, grant, account_id)
        tax = taxes.create(
            transaction, business, wrapped(json_body(), "tax"), identity_id=grant.identity_id
        )
    return jsonify({"response": {"result": {"tax": tax}}})


@blueprint.get(f"{TAXES}/<int:tax_id>")
def get_tax(account_id: str, tax_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:taxes:read")
        business = staff_account(reader, grant, account_id)
        tax = taxes.get(reader, business["account_id"], tax_id)
    return jsonify({"response": {"result": {"tax": tax}}})


@blueprint.put(f"{TAXES}/<int:tax_id>")
def update_tax(account_id: str, tax_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:taxes:write")
        business = staff_account(transaction, grant, account_id)
        tax = taxes.update(
            transaction,
            business,
            tax_id,
            wrapped(json_body(), "tax"),
            identity_id=grant.identity_id,
        )
    return jsonify({"response": {"result": {"tax": tax}}})


@blueprint.delete(f"{TAXES}/<int:tax_id>")
def delete_tax(account_id: str, tax_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:taxes:write")
        business = staff_account(transaction, grant, account_id)
        taxes.delete(transaction, business, tax_id, identity_id=grant.identity_id)
    return jsonify({"response": {}})
