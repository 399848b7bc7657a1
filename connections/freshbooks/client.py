"""FreshBooksClient: the only way the app talks to FreshBooks (or the local sandbox).

No Django here: the caller passes the base URL, a token source and an optional Redis rate gate.
One client holds one `requests.Session` (connection pooling); create one per identity and unit of
work, not one per process shared across identities.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from . import envelopes
from .envelopes import PER_PAGE, Page
from .errors import NotFound, error_from_response, malformed
from .filters import Params, accounting_params, format_utc, project_params
from .retry import (
    DEFAULT_RETRY_AFTER,
    RETRYABLE_STATUSES,
    backoff_delay,
    is_retryable_transport,
    retry_after_seconds,
    transport_error,
)

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
POOL_SIZE = 10


class TokenSource(Protocol):
    """Supplies bearer tokens; the Django side refreshes under a row lock."""

    def access_token(self) -> str: ...

    def refresh_after_unauthorized(self, stale_token: str) -> str: ...


class RateGate(Protocol):
    def acquire(self, rate_key: str, *, timeout: float = 60) -> None: ...

    def pause(self, rate_key: str, seconds: float) -> None: ...


def _segment(value: object) -> str:
    """One URL path segment; ids are quoted so a hostile id cannot change the path."""
    text = str(value)
    if not text:
        raise ValueError("empty id in a FreshBooks path")
    return quote(text, safe="")


def _path(template: str, **ids: object) -> str:
    return template.format(**{name: _segment(value) for name, value in ids.items()})


class FreshBooksClient:
    """Typed errors, bounded retries, shared rate limiting and pagination over requests."""

    def __init__(
        self,
        *,
        api_base_url: str,
        token_source: TokenSource,
        user_agent: str,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        rate_gate: RateGate | None = None,
        rate_key: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if rate_gate is not None and not rate_key:
            raise ValueError("a rate_gate needs a rate_key (the FreshBooks identity)")
        self.api_base_url = api_base_url.rstrip("/")
        self._token_source = token_source
        self._user_agent = user_agent
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rate_gate = rate_gate
        self._rate_key = rate_key
        self._sleep = sleep
        self._session = session or self._new_session()

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> FreshBooksClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FreshBooksClient(api_base_url={self.api_base_url!r}, rate_key={self._rate_key!r})"

    # -- HTTP core ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | Params | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """One API call with retries; returns the parsed JSON object ({} for an empty body)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = f"{self.api_base_url}/{path.lstrip('/')}"
        body = None if json is None else jsonlib.dumps(json).encode()
        token = self._token_source.access_token()
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self._acquire_gate()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=self._headers(token, has_body=body is not None),
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                error = transport_error(exc, method=method, path=path)
                retry = is_retryable_transport(exc) and (idempotent or not error.maybe_sent)
                logger.info(
                    "freshbooks %s %s attempt %d: %s", method, path, attempt, type(exc).__name__
                )
                if retry and attempt < self._max_attempts:
                    self._sleep(self._backoff(attempt))
                    continue
                raise error from None

            status = response.status_code
            logger.debug("freshbooks %s %s attempt %d: HTTP %d", method, path, attempt, status)
            if status == 401 and not refreshed:
                refreshed = True
                attempt -= 1  # the forced refresh is not one of the transient-failure retries
                token = self._token_source.refresh_after_unauthorized(token)
                continue
            if status == 429:
                wait = self._retry_after(response)
                if self._rate_gate is not None and self._rate_key:
                    self._rate_gate.pause(self._rate_key, wait)
                if attempt < self._max_attempts:
                    logger.info("freshbooks %s %s rate limited; waiting %.1fs", method, path, wait)
                    self._sleep(wait)
                    continue
                raise error_from_response(response, retry_after=wait)
            if status in RETRYABLE_STATUSES and idempotent and attempt < self._max_attempts:
                self._sleep(self._backoff(attempt))
                continue
            if status >= 300:
                raise error_from_response(response)
            return self._decode(response)

    def _headers(self, token: str, *, has_body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _acquire_gate(self) -> None:
        if self._rate_gate is not None and self._rate_key:
            self._rate_gate.acquire(self._rate_key)

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, base=self._backoff_base, cap=self._backoff_cap)

    def _retry_after(self, response: requests.Response) -> float:
        seconds = retry_after_seconds(response.headers.get("Retry-After"))
        if seconds is None:
            seconds = DEFAULT_RETRY_AFTER
        return min(seconds, self._backoff_cap)

    @staticmethod
    def _decode(response: requests.Response) -> dict[str, Any]:
        if not response.content or not response.content.strip():
            return {}
        try:
            parsed = jsonlib.loads(response.content)
        except ValueError:
            raise malformed(response, "FreshBooks returned a body that is not JSON") from None
        if not isinstance(parsed, dict):
            raise malformed(response, "FreshBooks returned JSON that is not an object")
        inner = parsed.get("response")
        if isinstance(inner, dict) and inner.get("errors"):
            # Accounting may report errors inside a 2xx; never treat them as data.
            raise error_from_response(response)
        return parsed

    # -- pagination --------------------------------------------------------------------------

    def iter_pages(
        self,
        path: str,
        *,
        extract: Callable[[dict[str, Any], int], Page],
        params: Params | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Walk a list at per_page=100 from `start_page` until the last or an empty page."""
        if start_page < 1:
            raise ValueError("start_page must be 1 or more")
        requested = start_page
        while True:
            query = [*(params or []), ("page", str(requested)), ("per_page", str(PER_PAGE))]
            page = extract(self.request("GET", path, params=query), requested)
            yield page
            if not page.items or page.page >= page.pages:
                return
            requested = max(page.page, requested) + 1

    @staticmethod
    def _accounting(key: str) -> Callable[[dict[str, Any], int], Page]:
        return lambda body, requested: envelopes.accounting_page(body, key, requested)

    @staticmethod
    def _flat(key: str) -> Callable[[dict[str, Any], int], Page]:
        return lambda body, requested: envelopes.flat_page(body, key, requested)

    @staticmethod
    def _items(pages: Iterator[Page]) -> Iterator[dict[str, Any]]:
        for page in pages:
            yield from page.items

    # -- identity ----------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The identity behind the token: `business_memberships` hold account and business ids."""
        return envelopes.identity_response(self.request("GET", "/auth/api/v1/users/me"))

    def iter_team_members(
        self, business_id: int, *, start_page: int = 1
    ) -> Iterator[dict[str, Any]]:
        path = _path("/auth/api/v1/businesses/{business_id}/team_members", business_id=business_id)
        pages = self.iter_pages(path, extract=envelopes.auth_page, start_page=start_page)
        return self._items(pages)

    # -- clients (accounting) ----------------------------------------------------------------

    def iter_client_pages(
        self, account_id: str, *, updated_min: date | None = None, start_page: int = 1
    ) -> Iterator[Page]:
        path = _path("/accounting/account/{account_id}/users/clients", account_id=account_id)
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
        path = _path(
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
        path = _path("/accounting/account/{account_id}/invoices/invoices", account_id=account_id)
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
        return _path(
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

    def create_invoice(self, account_id: str, invoice: dict[str, Any]) -> dict[str, Any]:
        """POST a draft invoice. Never repeated once it may have been sent: on TransportError
        with `maybe_sent`, reconcile (search by invoice_number/customer) before trying again."""
        path = _path("/accounting/account/{account_id}/invoices/invoices", account_id=account_id)
        body = self.request("POST", path, json={"invoice": invoice}, idempotent=False)
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
        path = _path("/projects/business/{business_id}/projects", business_id=business_id)
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
        path = _path(
            "/projects/business/{business_id}/project/{project_id}",
            business_id=business_id,
            project_id=project_id,
        )
        return envelopes.flat_single(self.request("GET", path), "project")

    # -- services and rates (comments) -------------------------------------------------------

    def iter_service_pages(self, business_id: int, start_page: int = 1) -> Iterator[Page]:
        path = _path("/comments/business/{business_id}/services", business_id=business_id)
        return self.iter_pages(path, extract=self._flat("services"), start_page=start_page)

    def iter_services(self, business_id: int, start_page: int = 1) -> Iterator[dict[str, Any]]:
        return self._items(self.iter_service_pages(business_id, start_page=start_page))

    def get_service(self, business_id: int, service_id: int) -> dict[str, Any]:
        path = _path(
            "/comments/business/{business_id}/service/{service_id}",
            business_id=business_id,
            service_id=service_id,
        )
        return envelopes.flat_single(self.request("GET", path), "service")

    def list_service_rates(self, business_id: int) -> list[dict[str, Any]]:
        path = _path("/comments/business/{business_id}/service_rates", business_id=business_id)
        return envelopes.flat_list(self.request("GET", path), "service_rates")

    def get_service_rate(self, business_id: int, service_id: int) -> dict[str, Any]:
        path = _path(
            "/comments/business/{business_id}/service/{service_id}/rate",
            business_id=business_id,
            service_id=service_id,
        )
        return envelopes.flat_single(self.request("GET", path), "service_rate")

    def get_project_service_rate(
        self, business_id: int, project_id: int, service_id: int
    ) -> dict[str, Any] | None:
        """The project-specific rate of a service, or None when the project has none."""
        path = _path(
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
        path = _path("/comments/business/{business_id}/team_member_rates", business_id=business_id)
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
        path = _path("/timetracking/business/{business_id}/time_entries", business_id=business_id)
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
        return _path(
            "/timetracking/business/{business_id}/time_entries/{time_entry_id}",
            business_id=business_id,
            time_entry_id=time_entry_id,
        )

    def get_time_entry(self, business_id: int, time_entry_id: int) -> dict[str, Any]:
        body = self.request("GET", self._time_entry_path(business_id, time_entry_id))
        return envelopes.flat_single(body, "time_entry")

    def update_time_entry(
        self, business_id: int, time_entry_id: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        path = self._time_entry_path(business_id, time_entry_id)
        body = self.request("PUT", path, json={"time_entry": fields})
        return envelopes.flat_single(body, "time_entry")

    # -- webhook callbacks (events) ----------------------------------------------------------

    def _callbacks_path(self, account_id: str) -> str:
        return _path("/events/account/{account_id}/events/callbacks", account_id=account_id)

    def _callback_path(self, account_id: str, callback_id: int) -> str:
        return _path(
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
