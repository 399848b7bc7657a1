"""What every way in (API, CSV, manual form) checks before hours are stored: pure functions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_DURATION_SECONDS = 24 * 3600
MAX_EXTERNAL_ID = 255
MAX_NOTE = 5000
# A start this far ahead of the server's clock is still "now" (clock skew between machines).
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class HoursInput:
    """One entry to store, already matched to the business's FreshBooks ids."""

    external_id: str
    client_id: int
    started_at: datetime
    duration_seconds: int
    project_id: int | None = None
    service_id: int | None = None
    team_member_id: int | None = None
    note: str = ""
    billable: bool = True


def duration_problem(seconds: int) -> str | None:
    if seconds <= 0:
        return "The duration must be more than zero."
    if seconds > MAX_DURATION_SECONDS:
        return "The duration must be at most 24 hours."
    return None


def start_problem(started_at: datetime, now: datetime) -> str | None:
    if started_at.tzinfo is None or started_at.utcoffset() is None:
        return "The start needs a time zone offset, e.g. 2026-05-04T09:00:00+02:00."
    if started_at > now + FUTURE_TOLERANCE:
        return "The start is in the future; only hours already worked can be billed."
    if started_at < EARLIEST_START:
        return "The start is before the year 2000."
    return None


def external_id_problem(external_id: str) -> str | None:
    if not external_id.strip():
        return "An external id is required."
    if len(external_id) > MAX_EXTERNAL_ID:
        return f"The external id is longer than {MAX_EXTERNAL_ID} characters."
    return None


def duplicate_external_ids(external_ids: list[str]) -> set[str]:
    counts = Counter(external_ids)
    return {external_id for external_id, count in counts.items() if count > 1}


def hours_problems(entry: HoursInput, now: datetime) -> dict[str, str]:
    """Field name → message, empty when the entry may be stored."""
    problems = {
        "external_id": external_id_problem(entry.external_id),
        "duration": duration_problem(entry.duration_seconds),
        "start": start_problem(entry.started_at, now),
        "note": f"The note is longer than {MAX_NOTE} characters."
        if len(entry.note) > MAX_NOTE
        else None,
    }
    return {field: message for field, message in problems.items() if message}
