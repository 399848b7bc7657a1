"""``/accounting/account/{account_id}/expenses/...``: expenses and their categories.

The accounting envelope and paging, as for clients and invoices (``accounting``). Expense filters:
``search[clientid]``/``clientids[]``, ``search[projectid]``/``projectids[]``,
``search[categoryid]``/``categoryids[]``, ``search[date_min]``/``date_max`` (the expense's date),
``search[updated_min]``/``updated_max``, ``search[vis_state]`` and ``search[invoiceid]``; unknown
keys are ignored, as FreshBooks does. The five routes are ``resources.accounting_crud``'s.
Categories are read-only.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from sandbox.api.accounting import _common_filters, _search_date, _search_ints
from sandbox.api.common import accounting_list, authorize, page_window, runtime, staff_account
from sandbox.api.resources import accounting_crud
from sandbox.store import expense_categories, expenses

blueprint = Blueprint("expenses", __name__)

EXPENSES = "/accounting/account/<account_id>/expenses/expenses"
CATEGORIES = "/accounting/account/<account_id>/expenses/categories"


def _expense_filters() -> dict:
    filters = _common_filters()
    for single, plural in (
        ("clientid", "clientids"),
        ("projectid", "projectids"),
        ("categoryid", "categoryids"),
    ):
        found = _search_ints(single, plural)
        if found is not None:
            filters[plural] = found
    invoiceids = _search_ints("invoiceid", "invoiceids")
    if invoiceids is not None:
        filters["invoiceid"] = invoiceids[0]
    for name in ("date_min", "date_max"):
        value = _search_date(name)
        if value is not None:
            filters[name] = value
    return filters


accounting_crud(
    blueprint,
    EXPENSES,
    store=expenses,
    singular="expense",
    plural="expenses",
    filters=_expense_filters,
)


@blueprint.get(CATEGORIES)
def list_categories(account_id: str):
    page, per_page, window = page_window(15)
    # A write transaction: an account's standard categories are made on first use.
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:expenses:read")
        business = staff_account(transaction, grant, account_id)
        expense_categories.ensure(transaction, business["account_id"])
        found, total = expense_categories.search(transaction, business["account_id"], window)
    return jsonify(accounting_list("categories", found, page, per_page, total))


@blueprint.get(f"{CATEGORIES}/<int:category_id>")
def get_category(account_id: str, category_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:expenses:read")
        business = staff_account(transaction, grant, account_id)
        expense_categories.ensure(transaction, business["account_id"])
        category = expense_categories.get(transaction, business["account_id"], category_id)
    return jsonify({"response": {"result": {"category": category}}})
