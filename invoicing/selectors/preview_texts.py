"""Per-entry texts of a stored preview (hours, local dates, rate fixes), each distinct value
worked out once: a preview writes one per entry, and entries share a few hundred durations and
days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Protocol

from invoicing.billing.money import hours_from_seconds
from invoicing.billing.periods import business_zone
from invoicing.billing.rates import RateFix


class HoursText(dict[int, str]):
    """`str(hours_from_seconds(seconds))`, worked out once per distinct duration."""

    def __missing__(self, seconds: int) -> str:
        text = self[seconds] = str(hours_from_seconds(seconds))
        return text

    def __call__(self, seconds: int) -> str:
        return self[seconds]


class FixJson(dict[RateFix, dict[str, Any]]):
    """`asdict(fix)`, each distinct fix converted once (a copy each time)."""

    def __missing__(self, fix: RateFix) -> dict[str, Any]:
        found = self[fix] = asdict(fix)
        return found

    def __call__(self, fix: RateFix) -> dict[str, Any]:
        return dict(self[fix])


class _Started(Protocol):
    @property
    def started_at(self) -> datetime: ...


def local_days(rows: Mapping[int, _Started], zone_name: str | None) -> dict[int, str]:
    """Each row's `local_date(row.started_at, zone_name).isoformat()`, the zone looked up once
    and each day written once."""
    zone = business_zone(zone_name)
    days: dict[date, str] = {}
    dates = {}
    for entry_id, row in rows.items():
        day = row.started_at.astimezone(zone).date()
        text = days.get(day)
        if text is None:
            text = days[day] = day.isoformat()
        dates[entry_id] = text
    return dates
