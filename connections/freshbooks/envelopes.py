"""Unwrap FreshBooks response envelopes and describe one page of a list.

Each API family wraps its data differently (§3 of the reference): accounting and events use
`{"response": {"result": {...}}}`, projects/time tracking/comments use a flat key plus `meta`,
auth uses `{"response": ...}` with a sibling `meta`. A body that lacks the expected key is a
MalformedResponse, never a KeyError deep inside a sync.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import MalformedResponse

PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a list; `page`/`pages` let a caller resume a walk later."""

    items: list[dict[str, Any]]
    page: int
    pages: int
    total: int
    per_page: int


def _shape_error(what: str, body: Any) -> MalformedResponse:
    keys = sorted(body)[:10] if isinstance(body, dict) else type(body).__name__
    return MalformedResponse(f"FreshBooks response has no {what} (got {keys})", body=None)


def _dict_at(body: Any, key: str, what: str) -> dict[str, Any]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise _shape_error(what, body)
    return value


def _list_at(body: Any, key: str, what: str) -> list[dict[str, Any]]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _shape_error(what, body)
    return value


def _count(container: dict[str, Any], key: str, default: int | None = None) -> int:
    value = container.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        if default is not None and value is None:
            return default
        raise MalformedResponse(f"pagination field {key!r} is not an integer: {value!r}")
    return value


def _page(items: list[dict[str, Any]], meta: dict[str, Any], requested_page: int) -> Page:
    per_page = _count(meta, "per_page", PER_PAGE) or PER_PAGE
    total = _count(meta, "total", len(items))
    if meta.get("pages") is None:
        pages = math.ceil(total / per_page) if total else 0
    else:
        pages = _count(meta, "pages")
    page = _count(meta, "page", requested_page)
    return Page(items=items, page=page, pages=pages, total=total, per_page=per_page)


def accounting_result(body: Any) -> dict[str, Any]:
    """`response.result` of an accounting or events body."""
    return _dict_at(_dict_at(body, "response", "'response' object"), "result", "'result' object")


def accounting_single(body: Any, key: str) -> dict[str, Any]:
    """`response.result.<key>`, e.g. the client of a GET client."""
    return _dict_at(accounting_result(body), key, f"'response.result.{key}' object")


def accounting_page(body: Any, key: str, requested_page: int = 1) -> Page:
    """Accounting list: `response.result.<plural>` with page/pages/per_page/total beside it."""
    result = accounting_result(body)
    items = _list_at(result, key, f"'response.result.{key}' list")
    return _page(items, result, requested_page)


def flat_single(body: Any, key: str) -> dict[str, Any]:
    """Projects, time tracking, comments, uploads: `{<key>: {...}}`."""
    return _dict_at(body, key, f"'{key}' object")


def flat_list(body: Any, key: str) -> list[dict[str, Any]]:
    """Lists without pagination, e.g. `{"service_rates": [...]}`."""
    return _list_at(body, key, f"'{key}' list")


def flat_page(body: Any, key: str, requested_page: int = 1) -> Page:
    """Projects-family list: `{<plural>: [...], "meta": {...}}` (meta may lack `pages`)."""
    items = _list_at(body, key, f"'{key}' list")
    meta = body.get("meta")
    if meta is None:
        meta = {"page": requested_page, "pages": 1, "total": len(items)}
    if not isinstance(meta, dict):
        raise _shape_error("'meta' object", body)
    return _page(items, meta, requested_page)


def identity_response(body: Any) -> dict[str, Any]:
    """`/auth/api/v1/users/me`: the `response` object."""
    return _dict_at(body, "response", "'response' object")


def auth_page(body: Any, requested_page: int = 1) -> Page:
    """Auth lists such as team members: `{"response": [...], "meta": {...}}`."""
    items = _list_at(body, "response", "'response' list")
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    return _page(items, meta, requested_page)
