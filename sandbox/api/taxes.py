"""``/accounting/account/{account_id}/taxes/taxes``: the business's taxes (``store.taxes``).

The accounting envelope and paging; filters ``search[updated_min]``/``updated_max`` and
``search[taxid]``/``taxids[]``. HTTP DELETE answers ``200 {"response": {}}`` (reference §7, the
Python SDK's test for taxes). The five routes are ``resources.accounting_crud``'s.
"""

from __future__ import annotations

from flask import Blueprint

from sandbox.api.accounting import _common_filters, _search_ints
from sandbox.api.resources import accounting_crud
from sandbox.store import taxes

blueprint = Blueprint("taxes", __name__)

TAXES = "/accounting/account/<account_id>/taxes/taxes"


def _tax_filters() -> dict:
    filters = _common_filters()
    taxids = _search_ints("taxid", "taxids")
    if taxids is not None:
        filters["taxids"] = taxids
    return filters


accounting_crud(blueprint, TAXES, store=taxes, singular="tax", plural="taxes", filters=_tax_filters)
