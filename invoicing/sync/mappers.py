"""FreshBooks bodies → the few indexed columns each mirror keeps (the raw JSON is kept whole).

A body that cannot be used raises ``Unusable`` with a reason the sync run records; unknown keys and
enum values are simply carried in the raw JSON.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from connections.freshbooks import parse_accounting_datetime, parse_decimal, parse_utc_datetime

# Rates are kept at FreshBooks' precision (`RateField`: 14 integer digits, six places); a rate
# that does not fit is not a rate anyone charges.
RATE_LIMIT = Decimal(10) ** 14


class Unusable(ValueError):
    """This object cannot be mirrored; the message is the recorded reason."""


def _id(raw: dict[str, Any], *keys: str) -> int:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    raise Unusable(f"no valid {keys[0]}")


def _optional_id(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, "", 0):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise Unusable(f"reference {value!r} is not an id")


def _flag(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    return value if isinstance(value, bool) else default


def _lenient(parse, text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse(text)
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    try:
        return parse_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        return None


def _rate(value: Any) -> Decimal | None:
    """A rate as FreshBooks wrote it (never rounded here); None when absent or unusable."""
    rate = _money(value)
    return rate if rate is not None and 0 <= rate < RATE_LIMIT else None


def client_columns(raw: dict[str, Any]) -> dict[str, Any]:
    name = (raw.get("organization") or "").strip() or " ".join(
        part for part in (raw.get("fname"), raw.get("lname")) if isinstance(part, str) and part
    )
    return {
        "freshbooks_id": _id(raw, "id", "userid"),
        "display_name": (name or raw.get("email") or "")[:255],
        "email": str(raw.get("email") or "")[:255],
        "currency_code": str(raw.get("currency_code") or "")[:3],
        "active": raw.get("vis_state", 0) == 0,
        "updated_remote": _lenient(parse_accounting_datetime, raw.get("updated")),
    }


def project_columns(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "freshbooks_id": _id(raw, "id"),
        "title": str(raw.get("title") or "")[:255],
        "client_freshbooks_id": _optional_id(raw.get("client_id")),
        "billing_method": str(raw.get("billing_method") or "")[:32],
        "project_type": str(raw.get("project_type") or "")[:32],
        "rate": _rate(raw.get("rate")),
        "fixed_price": _money(raw.get("fixed_price")),
        "active": _flag(raw, "active", True),
        "complete": _flag(raw, "complete", False),
        "updated_remote": _lenient(parse_utc_datetime, raw.get("updated_at")),
    }


def project_service_ids(raw: dict[str, Any]) -> list[int]:
    services = raw.get("services")
    if not isinstance(services, list):
        return []
    ids = []
    for service in services:
        if isinstance(service, dict):
            service_id = _optional_id(service.get("id"))
            if service_id:
                ids.append(service_id)
    return sorted(set(ids))


def service_columns(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "freshbooks_id": _id(raw, "id"),
        "name": str(raw.get("name") or "")[:255],
        "billable": _flag(raw, "billable", True),
        "active": raw.get("vis_state", 0) == 0,
    }


def rate_value(raw: dict[str, Any]) -> Decimal:
    """A service, project service or team member rate, at the precision FreshBooks sent."""
    rate = _rate(raw.get("rate"))
    if rate is None:
        raise Unusable(f"rate {raw.get('rate')!r} is not an amount")
    return rate


def team_member_columns(raw: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(
        part
        for part in (raw.get("first_name"), raw.get("last_name"))
        if isinstance(part, str) and part
    )
    return {
        "identity_id": _id(raw, "identity_id"),
        "name": name[:255],
        "email": str(raw.get("email") or "")[:255],
        "active": _flag(raw, "active", True),
    }


def time_entry_columns(raw: dict[str, Any]) -> dict[str, Any]:
    started_at_text = raw.get("started_at")
    if not isinstance(started_at_text, str):
        raise Unusable("no started_at")
    try:
        started_at = parse_utc_datetime(started_at_text)
    except ValueError:
        raise Unusable(f"started_at {started_at_text!r} is not a date and time") from None
    is_logged = _flag(raw, "is_logged", True)
    duration = raw.get("duration")
    if duration is None and not is_logged:
        duration = 0  # a running timer has no duration yet
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
        raise Unusable(f"duration {duration!r} is not a whole number of seconds")
    return {
        "freshbooks_id": _id(raw, "id"),
        "client_freshbooks_id": _optional_id(raw.get("client_id")),
        "project_freshbooks_id": _optional_id(raw.get("project_id")),
        "service_freshbooks_id": _optional_id(raw.get("service_id")),
        "identity_id": _optional_id(raw.get("identity_id")),
        "started_at": started_at,
        "duration_seconds": duration,
        "billable": _flag(raw, "billable", False),
        "billed": _flag(raw, "billed", False),
        "active": _flag(raw, "active", True),
        "is_logged": is_logged,
        "internal": _flag(raw, "internal", False),
        "note": str(raw.get("note") or ""),
        "created_remote": _lenient(parse_utc_datetime, raw.get("created_at")),
        "updated_remote": _lenient(parse_utc_datetime, raw.get("updated_at")),
    }
