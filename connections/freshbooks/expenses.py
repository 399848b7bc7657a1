"""FreshBooks' expense and tax calls (accounting), apart from ``client`` to keep each module small.

Both lists take ``search[updated_min]`` (an accounting date: the whole day counts, so an
incremental sync from a date re-reads that day, which the upsert makes harmless).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from . import envelopes
from .envelopes import Page
from .filters import accounting_params
from .transport import FreshBooksTransport, resource_path


class ExpenseAndTaxCalls(FreshBooksTransport):
    """Expenses, expense categories and taxes."""

    def iter_expense_pages(
        self,
        account_id: str,
        *,
        updated_min: date | None = None,
        deleted: bool = False,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Live expenses, or with ``deleted`` only the deleted ones (``search[vis_state]=1``)."""
        path = resource_path(
            "/accounting/account/{account_id}/expenses/expenses", account_id=account_id
        )
        params = accounting_params(
            {"updated_min": updated_min, "vis_state": 1 if deleted else None}
        )
        return self.iter_pages(
            path, extract=self._accounting("expenses"), params=params, start_page=start_page
        )

    def get_expense(self, account_id: str, expense_id: int) -> dict[str, Any]:
        path = resource_path(
            "/accounting/account/{account_id}/expenses/expenses/{expense_id}",
            account_id=account_id,
            expense_id=expense_id,
        )
        return envelopes.accounting_single(self.request("GET", path), "expense")

    def iter_expense_categories(self, account_id: str) -> Iterator[dict[str, Any]]:
        path = resource_path(
            "/accounting/account/{account_id}/expenses/categories", account_id=account_id
        )
        return self._items(self.iter_pages(path, extract=self._accounting("categories")))

    def iter_tax_pages(
        self, account_id: str, *, updated_min: date | None = None, start_page: int = 1
    ) -> Iterator[Page]:
        path = resource_path("/accounting/account/{account_id}/taxes/taxes", account_id=account_id)
        params = accounting_params({"updated_min": updated_min})
        return self.iter_pages(
            path, extract=self._accounting("taxes"), params=params, start_page=start_page
        )

    def get_tax(self, account_id: str, tax_id: int) -> dict[str, Any]:
        path = resource_path(
            "/accounting/account/{account_id}/taxes/taxes/{tax_id}",
            account_id=account_id,
            tax_id=tax_id,
        )
        return envelopes.accounting_single(self.request("GET", path), "tax")
