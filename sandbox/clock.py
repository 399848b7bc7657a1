"""The three datetime conventions FreshBooks mixes, in one place.

- time tracking: UTC ISO-8601 with ``Z`` (``2020-10-17T05:00:00Z``);
- projects: UTC ISO-8601 without a zone (``2020-09-13T01:07:51``);
- accounting: ``YYYY-MM-DD HH:MM:SS`` in US/Eastern without a zone (client ``signup_date`` is UTC).

Internally every ``updated_at`` is a sortable UTC stamp with microseconds so that ``updated_since``
filters never miss a write made in the same second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


def formatted(moment: datetime, pattern: str) -> str:
    """``strftime`` with a four-digit year: the C library writes year 1 as ``1``, which nothing
    parses back."""
    return moment.strftime(pattern.replace("%Y", f"{moment.year:04d}"))


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Internal sortable UTC stamp, e.g. ``2024-05-01T10:00:00.123456``."""
    return formatted(moment.astimezone(UTC), "%Y-%m-%dT%H:%M:%S.%f")


def from_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    return formatted(moment.astimezone(UTC), "%Y-%m-%dT%H:%M:%SZ")


def iso_naive_utc(moment: datetime) -> str:
    return formatted(moment.astimezone(UTC), "%Y-%m-%dT%H:%M:%S")


def eastern(moment: datetime) -> str:
    return formatted(moment.astimezone(EASTERN), "%Y-%m-%d %H:%M:%S")


def eastern_version(moment: datetime) -> str:
    return formatted(moment.astimezone(EASTERN), "%Y-%m-%d %H:%M:%S.%f")


def utc_text(moment: datetime) -> str:
    return formatted(moment.astimezone(UTC), "%Y-%m-%d %H:%M:%S")


def local_naive(moment: datetime, timezone_name: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` wall time in the zone (``isoformat`` always writes four-digit
    years, and costs far less than ``strftime`` on every entry of a page)."""
    local = moment.astimezone(ZoneInfo(timezone_name)).replace(tzinfo=None)
    return local.isoformat(timespec="seconds")


def parse_datetime(text: str) -> datetime:
    """Parse an API datetime: ISO-8601 with ``Z``, an offset, or none (UTC); or a bare date."""
    if not isinstance(text, str) or len(text) < 10:
        raise ValueError("Input should be a valid datetime or date, input is too short")
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError("Input should be a valid datetime or date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_eastern(text: str) -> datetime:
    """Parse an accounting filter value (date or datetime) as US/Eastern wall time."""
    cleaned = text.strip().replace(" ", "T", 1)
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=EASTERN)
    return moment.astimezone(UTC)


def parse_date(text: str) -> date:
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError("Input should be a valid date in the format YYYY-MM-DD")
    return date.fromisoformat(text)
