"""FreshBooksClient: the only way the app talks to FreshBooks (or the local sandbox).

One method per FreshBooks resource call, over the transport's retries, rate gate and pagination.
One client holds one `requests.Session` (connection pooling); create one per identity and unit of
work, not one per process shared across identities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from . import envelopes
from .envelopes import Page
from .errors import NotFound
from .expenses import ExpenseAndTaxCalls
from .filters import accounting_params, format_utc, project_params
from .transport import FreshBooksTransport, resource_path


class FreshBooksClient(ExpenseAndTaxCalls, FreshBooksTransport):
    """FreshBooks' resources: identity, clients, invoices, projects, services and rates, time
    entries and callbacks; expenses and taxes come from ``ExpenseAndTaxCalls``."""

    # -- identity ----------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The identity behind the token: `business_memberships` hold account and business ids."""
        return envelopes.identity_response(self.request("GET", "/auth/api/v1/users/me"))

    def iter_team_members(
        self, business_id: int, *, start_page: int = 1
    ) -> Iterator[dict[str, Any]]:
        path = resource_path(
            "/auth/api/v1/businesses/{business_id}/team_members", business_id=business_id
        )
        pages = self.iter_pages(path, extract=envelopes.auth_page, start_page=start_page)
        return self._items(pages)

    # -- clients (accounting) ----------------------------------------------------------------

    def iter_client_pages(
        self, account_id: str, *, updated_min: date | None = None, start_page: int = 1
    ) -> Iterator[Page]:
        path = resource_path(
            "/accounting/account/{account_id}/users/clients", account_id=account_id
        )
        params = accounting_params({"updated_min": updated_min})
        return self.iter_pages(
            path, extract=self._accounting("clients"), params=params, start_page=start_page
        )

    def iter_clients(
        self, account_id: str, *, updated_min: date | None = None, start_page: int = 1
    ) -> Iterator[dict[str, Any]]:
        pages = self.iter_client_pages(account_id, updated_min=updated_min, start_page=start_page)
        return self._items(pages)

    def get_client(self, account_id: str, client_id: int) -> dict[str, Any]:
        path = resource_path(
            "/accounting/account/{account_id}/users/clients/{client_id}",
            account_id=account_id,
            client_id=client_id,
        )
        return envelopes.accounting_single(self.request("GET", path), "client")

    # -- invoices (accounting) ---------------------------------------------------------------

    def iter_invoice_pages(
        self,
        account_id: str,
        *,
        customer_id: int | None = None,
        date_min: date | None = None,
        date_max: date | None = None,
        invoice_number: str | None = None,
        updated_min: date | None = None,
        include_lines: bool = False,
        start_page: int = 1,
    ) -> Iterator[Page]:
        path = resource_path(
            "/accounting/account/{account_id}/invoices/invoices", account_id=account_id
        )
        search = {
            "customerid": customer_id,
            "date_min": date_min,
            "date_max": date_max,
            "invoice_number": invoice_number,
            "updated_min": updated_min,
        }
        params = accounting_params(search, include=["lines"] if include_lines else [])
        return self.iter_pages(
            path, extract=self._accounting("invoices"), params=params, start_page=start_page
        )

    def iter_invoices(self, account_id: str, **filters: Any) -> Iterator[dict[str, Any]]:
        """Same keyword filters as `iter_invoice_pages`."""
        return self._items(self.iter_invoice_pages(account_id, **filters))

    def _invoice_path(self, account_id: str, invoice_id: int) -> str:
        return resource_path(
            "/accounting/account/{account_id}/invoices/invoices/{invoice_id}",
            account_id=account_id,
            invoice_id=invoice_id,
        )

    def get_invoice(
        self, account_id: str, invoice_id: int, *, include_lines: bool = True
    ) -> dict[str, Any]:
        params = accounting_params(include=["lines"] if include_lines else [])
        body = self.request("GET", self._invoice_path(account_id, invoice_id), params=params)
        return envelopes.accounting_single(body, "invoice")

    def create_invoice(
        self,
        account_id: str,
        invoice: dict[str, Any],
        *,
        before_attempt: Callable[[], None] | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """POST a draft invoice. Never repeated once it may have been sent: on TransportError
        with `maybe_sent`, reconcile (search by invoice_number/customer) before trying again.
        `before_attempt` and `timeout`: see `FreshBooksTransport.request`."""
        path = resource_path(
            "/accounting/account/{account_id}/invoices/invoices", account_id=account_id
        )
        body = self.request(
            "POST",
            path,
            json={"invoice": invoice},
            idempotent=False,
            before_attempt=before_attempt,
            timeout=timeout,
        )
        return envelopes.accounting_single(body, "invoice")

    def update_invoice(
        self, account_id: str, invoice_id: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        if "vis_state" in fields and len(fields) > 1:
            raise ValueError(
                "vis_state cannot be combined with other invoice fields: FreshBooks would "
                "silently discard the others; send vis_state in its own update"
            )
        path = self._invoice_path(account_id, invoice_id)
        body = self.request("PUT", path, json={"invoice": fields})
        return envelopes.accounting_single(body, "invoice")

    def delete_invoice(self, account_id: str, invoice_id: int) -> None:
        self.request("DELETE", self._invoice_path(account_id, invoice_id))

    # -- projects ----------------------------------------------------------------------------

    def iter_project_pages(
        self, business_id: int, *, updated_since: datetime | None = None, start_page: int = 1
    ) -> Iterator[Page]:
        path = resource_path("/projects/business/{business_id}/projects", business_id=business_id)
        params = project_params(
            {"updated_since": format_utc(updated_since) if updated_since else None}
        )
        return self.iter_pages(
            path, extract=self._flat("projects"), params=params, start_page=start_page
        )

    def iter_projects(
        self, business_id: int, *, updated_since: datetime | None = None, start_page: int = 1
    ) -> Iterator[dict[str, Any]]:
        pages = self.iter_project_pages(
            business_id, updated_since=updated_since, start_page=start_page
        )
        return self._items(pages)

    def get_project(self, business_id: int, project_id: int) -> dict[str, Any]:
        path = resource_path(
            "/projects/business/{business_id}/project/{project_id}",
            business_id=business_id,
            project_id=project_id,
        )
        return envelopes.flat_single(self.request("GET", path), "project")

    # -- services and rates (comments) -------------------------------------------------------

    def iter_service_pages(self, business_id: int, start_page: int = 1) -> Iterator[Page]:
        path = resource_path("/comments/business/{business_id}/services", business_id=business_id)
        return self.iter_pages(path, extract=self._flat("services"), start_page=start_page)

    def iter_services(self, business_id: int, start_page: int = 1) -> Iterator[dict[str, Any]]:
        return self._items(self.iter_service_pages(business_id, start_page=start_page))

    def get_service(self, business_id: int, service_id: int) -> dict[str, Any]:
        path = resource_path(
            "/comments/business/{business_id}/service/{service_id}",
            business_id=business_id,
            service_id=service_id,
        )
        return envelopes.flat_single(self.request("GET", path), "service")

    def list_service_rates(self, business_id: int) -> list[dict[str, Any]]:
        path = resource_path(
            "/comments/business/{business_id}/service_rates", business_id=business_id
        )
        return envelopes.flat_list(self.request("GET", path), "service_rates")

    def get_service_rate(self, business_id: int, service_id: int) -> dict[str, Any]:
        path = resource_path(
            "/comments/business/{business_id}/service/{service_id}/rate",
            business_id=business_id,
            service_id=service_id,
        )
        return envelopes.flat_single(self.request("GET", path), "service_rate")

    def get_project_service_rate(
        self, business_id: int, project_id: int, service_id: int
    ) -> dict[str, Any] | None:
        """The project-specific rate of a service, or None when the project has none."""
        path = resource_path(
            "/comments/business/{business_id}/project/{project_id}/service/{service_id}/rate",
            business_id=business_id,
            project_id=project_id,
            service_id=service_id,
        )
        try:
            body = self.request("GET", path)
        except NotFound:
            return None
        return envelopes.flat_single(body, "project_service_rate")

    def list_team_member_rates(self, business_id: int) -> list[dict[str, Any]]:
        path = resource_path(
            "/comments/business/{business_id}/team_member_rates", business_id=business_id
        )
        return envelopes.flat_list(self.request("GET", path), "team_member_rates")

    # -- time entries ------------------------------------------------------------------------

    def iter_time_entry_pages(
        self,
        business_id: int,
        *,
        billable: bool | None = None,
        billed: bool | None = None,
        client_id: int | None = None,
        project_id: int | None = None,
        started_from: datetime | None = None,
        started_to: datetime | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
        include_unlogged: bool = False,
        team: bool = False,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """`team=True` lists every member's entries (otherwise FreshBooks lists only the
        caller's); `include_unlogged=True` adds running timers."""
        path = resource_path(
            "/timetracking/business/{business_id}/time_entries", business_id=business_id
        )
        params = project_params(
            {
                "billable": billable,
                "billed": billed,
                "client_id": client_id,
                "project_id": project_id,
                "started_from": format_utc(started_from) if started_from else None,
                "started_to": format_utc(started_to) if started_to else None,
                "updated_since": format_utc(updated_since) if updated_since else None,
                "include_deleted": True if include_deleted else None,
                "include_unlogged": True if include_unlogged else None,
                "team": True if team else None,
            }
        )
        return self.iter_pages(
            path, extract=self._flat("time_entries"), params=params, start_page=start_page
        )

    def iter_time_entries(self, business_id: int, **filters: Any) -> Iterator[dict[str, Any]]:
        """Same keyword filters as `iter_time_entry_pages`."""
        return self._items(self.iter_time_entry_pages(business_id, **filters))

    def _time_entry_path(self, business_id: int, time_entry_id: int) -> str:
        return resource_path(
            "/timetracking/business/{business_id}/time_entries/{time_entry_id}",
            business_id=business_id,
            time_entry_id=time_entry_id,
        )

    def get_time_entry(self, business_id: int, time_entry_id: int) -> dict[str, Any]:
        body = self.request("GET", self._time_entry_path(business_id, time_entry_id))
        return envelopes.flat_single(body, "time_entry")

    def create_time_entry(self, business_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        path = resource_path(
            "/timetracking/business/{business_id}/time_entries", business_id=business_id
        )
        body = self.request("POST", path, json={"time_entry": fields})
        return envelopes.flat_single(body, "time_entry")

    def update_time_entry(
        self, business_id: int, time_entry_id: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        path = self._time_entry_path(business_id, time_entry_id)
        body = self.request("PUT", path, json={"time_entry": fields})
        return envelopes.flat_single(body, "time_entry")

    # -- webhook callbacks (events) ----------------------------------------------------------

    def _callbacks_path(self, account_id: str) -> str:
        return resource_path("/events/account/{account_id}/events/callbacks", account_id=account_id)

    def _callback_path(self, account_id: str, callback_id: int) -> str:
        return resource_path(
            "/events/account/{account_id}/events/callbacks/{callback_id}",
            account_id=account_id,
            callback_id=callback_id,
        )

    def create_callback(self, account_id: str, *, event: str, uri: str) -> dict[str, Any]:
        body = self.request(
            "POST",
            self._callbacks_path(account_id),
            json={"callback": {"event": event, "uri": uri}},
            idempotent=False,
        )
        return envelopes.accounting_single(body, "callback")

    def iter_callbacks(self, account_id: str, *, start_page: int = 1) -> Iterator[dict[str, Any]]:
        pages = self.iter_pages(
            self._callbacks_path(account_id),
            extract=self._accounting("callbacks"),
            start_page=start_page,
        )
        return self._items(pages)

    def get_callback(self, account_id: str, callback_id: int) -> dict[str, Any]:
        body = self.request("GET", self._callback_path(account_id, callback_id))
        return envelopes.accounting_single(body, "callback")

    def verify_callback(self, account_id: str, callback_id: int, verifier: str) -> dict[str, Any]:
        body = self.request(
            "PUT",
            self._callback_path(account_id, callback_id),
            json={"callback": {"verifier": verifier}},
        )
        return envelopes.accounting_single(body, "callback")

    def resend_callback_verification(self, account_id: str, callback_id: int) -> dict[str, Any]:
        """Ask FreshBooks to POST a new verifier; returns the callback when the body has one."""
        body = self.request(
            "PUT",
            self._callback_path(account_id, callback_id),
            json={"callback": {"resend": True}},
        )
        if not body or not body.get("response"):
            return {}
        return envelopes.accounting_single(body, "callback")

    def delete_callback(self, account_id: str, callback_id: int) -> None:
        self.request("DELETE", self._callback_path(account_id, callback_id))
