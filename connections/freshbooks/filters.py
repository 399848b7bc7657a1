"""Query-string encodings for the two FreshBooks API families.

Accounting and events want `search[key]=value` and `include[]=x`; projects, time tracking and
comments want bare `key=value` with `true`/`false`. Sending the wrong family's encoding is not an
error at FreshBooks: the filter is silently ignored and every row comes back, so the encoding
lives here, in one place, with tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from .parsing import ACCOUNTING_ZONE

Params = list[tuple[str, str]]


def format_utc(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, the time-tracking filter format."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime in a FreshBooks filter: pass an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_accounting_date(day: date) -> str:
    """`YYYY-MM-DD`; an aware datetime becomes its US/Eastern calendar day (FreshBooks' zone)."""
    if isinstance(day, datetime):
        if day.tzinfo is None or day.utcoffset() is None:
            raise ValueError("naive datetime in a FreshBooks filter: pass a date or aware datetime")
        day = day.astimezone(ACCOUNTING_ZONE).date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day.isoformat()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def accounting_params(search: dict[str, Any] | None = None, include: Iterable[str] = ()) -> Params:
    """`search[key]=v`, list values as `search[key][]=v`, plus `include[]=...`; None is skipped."""
    params: Params = []
    for key, value in (search or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            params.extend((f"search[{key}][]", _accounting_scalar(item)) for item in value)
        else:
            params.append((f"search[{key}]", _accounting_scalar(value)))
    params.extend(("include[]", name) for name in include)
    return params


def _accounting_scalar(value: Any) -> str:
    if isinstance(value, date):
        return format_accounting_date(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def project_params(filters: dict[str, Any] | None = None) -> Params:
    """Bare `key=value` for projects, time tracking and comments; None is skipped."""
    return [(key, _scalar(value)) for key, value in (filters or {}).items() if value is not None]
