"""Reads for the hours API: a user's time entries, filtered, in pages by cursor."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from invoicing.models import TimeEntry
from invoicing.selectors.businesses import written_back_copy_of


class BadCursor(ValueError):
    """The cursor was not one this API handed out."""


@dataclass(frozen=True)
class HoursFilters:
    business_id: int | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    billed: bool | None = None
    source: str | None = None


def cursor_encode(last_pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_pk}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor("This cursor is not valid; start again without one.") from None
    label, _, value = text.partition(":")
    if label != "after" or not value.isdigit() or len(value) > 18:
        raise BadCursor("This cursor is not valid; start again without one.")
    return int(value)


def user_hours(user, filters: HoursFilters) -> QuerySet[TimeEntry]:
    """Live time entries of the user's connected businesses, oldest first (by id)."""
    entries = TimeEntry.objects.filter(
        business__connection__user=user,
        business__connection__disconnected_at__isnull=True,
        business__active=True,
        active=True,
    ).exclude(Exists(written_back_copy_of(OuterRef("business"), OuterRef("freshbooks_id"))))
    if filters.business_id is not None:
        entries = entries.filter(business_id=filters.business_id)
    if filters.started_after is not None:
        entries = entries.filter(started_at__gte=filters.started_after)
    if filters.started_before is not None:
        entries = entries.filter(started_at__lt=filters.started_before)
    if filters.billed is not None:
        entries = entries.filter(billed=filters.billed)
    if filters.source is not None:
        entries = entries.filter(source=filters.source)
    return entries.order_by("pk")


def hours_page(
    user, filters: HoursFilters, *, cursor: str | None, limit: int
) -> tuple[list[TimeEntry], str | None]:
    """One page and the cursor of the next (None when this is the last). Raises BadCursor."""
    entries = user_hours(user, filters)
    if cursor:
        entries = entries.filter(pk__gt=cursor_decode(cursor))
    rows = list(entries[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], cursor_encode(rows[limit - 1].pk)
    return rows, None
