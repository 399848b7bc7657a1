"""The HTTP layer under FreshBooksClient: auth headers, typed errors, bounded retries, the shared
rate gate and pagination, with no knowledge of FreshBooks' resources (those are `client.py`'s).

No Django here: the caller passes the base URL, a token source and an optional Redis rate gate.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, Self
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import envelopes
from .envelopes import PER_PAGE, Page
from .errors import error_from_response, malformed
from .filters import Params
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


def path_segment(value: object) -> str:
    """One URL path segment; ids are quoted so a hostile id cannot change the path."""
    text = str(value)
    if not text:
        raise ValueError("empty id in a FreshBooks path")
    return quote(text, safe="")


def resource_path(template: str, **ids: object) -> str:
    return template.format(**{name: path_segment(value) for name, value in ids.items()})


class _Session(requests.Session):
    """A requests session that reads the environment's proxy and CA settings once per origin.

    requests looks them up on every call (it walks `os.environ` for proxies and `no_proxy`),
    a few hundred microseconds of CPU per call for settings that do not change while the
    client lives; this keeps the first answer for each origin and set of call options.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        if proxies:  # per-call proxies: never cached
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, stream, verify, cert, self.trust_env)
        if key not in self._environment:
            self._environment[key] = dict(
                super().merge_environment_settings(url, proxies, stream, verify, cert)
            )
        settings = self._environment[key]
        return {**settings, "proxies": dict(settings["proxies"])}


class FreshBooksTransport:
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
        # 429 answers this client has had: a caller reading concurrently slows down after one.
        self.rate_limited = 0

    @staticmethod
    def _new_session() -> requests.Session:
        session = _Session()
        adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FreshBooksClient(api_base_url={self.api_base_url!r}, rate_key={self._rate_key!r})"

    def authorize(self) -> None:
        """Load (or refresh) the access token in the calling thread, before calls are made from
        helper threads, which then find it in memory."""
        self._token_source.access_token()

    # -- HTTP core ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | Params | None = None,
        json: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        before_attempt: Callable[[], None] | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """One API call with retries; returns the parsed JSON object ({} for an empty body).

        `before_attempt` runs right before each attempt is sent (after the rate gate's wait) and
        may raise to stop: a draft's POST re-checks its lease there, so a worker that lost its
        lease while waiting never sends. `timeout` overrides the transport's for this call.
        """
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
            if before_attempt is not None:
                before_attempt()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=self._headers(token, has_body=body is not None),
                    timeout=self._timeout if timeout is None else timeout,
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
                self.rate_limited += 1
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
