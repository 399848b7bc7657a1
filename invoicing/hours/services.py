"""Store, update and delete hours from outside FreshBooks (see the package docstring)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from connections.models import ConnectedBusiness
from integration_app.untrusted_text import storable_text
from invoicing.hours.checks import HoursInput, duplicate_external_ids, hours_problems
from invoicing.models import DraftEntry, TimeEntry

logger = logging.getLogger(__name__)

# Placeholder ids while a batch is inserted, replaced by minus the primary key in the same
# transaction; below any real id so they never clash with one.
PLACEHOLDER_BASE = -(2**62)
OUTSIDE_SOURCES = (TimeEntry.Source.API, TimeEntry.Source.CSV, TimeEntry.Source.MANUAL)


class HoursRejected(Exception):
    """Nothing was stored. `problems`: entry position → {field: message}."""

    def __init__(self, problems: dict[int, dict[str, str]]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} entr{'y' if count == 1 else 'ies'} refused; nothing was stored")


class HoursLocked(Exception):
    """The entry is billed or on an open draft: it can no longer change."""


@dataclass
class HoursStored:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    entries: list[TimeEntry] = field(default_factory=list)


def locked_entries(business: ConnectedBusiness):
    """Entries that are billed or reserved by a draft that is not voided."""
    on_open_draft = DraftEntry.objects.filter(time_entry=OuterRef("pk"), voided=False)
    return TimeEntry.objects.filter(business=business).annotate(on_draft=Exists(on_open_draft))


def _columns(entry: HoursInput) -> dict:
    return {
        "client_freshbooks_id": entry.client_id,
        "project_freshbooks_id": entry.project_id,
        "service_freshbooks_id": entry.service_id,
        "identity_id": entry.team_member_id,
        # In UTC: an offset PostgreSQL cannot hold (beyond ±15:59, which ISO 8601 allows) is no 500.
        "started_at": entry.started_at.astimezone(UTC),
        "duration_seconds": entry.duration_seconds,
        "billable": entry.billable,
        "note": entry.note,
        "active": True,
    }


def hours_upsert(
    *,
    business: ConnectedBusiness,
    source: str,
    entries: list[HoursInput],
    tool: str = "",
    user=None,
) -> HoursStored:
    """Store all entries or none. An external id seen before updates its entry while unbilled.

    Raises HoursRejected (per entry and field) when any entry is invalid, repeats another's
    external id, or is billed or on an open draft.
    """
    if source not in OUTSIDE_SOURCES:
        raise ValueError(f"not an outside source: {source}")
    now = timezone.now()
    entries = [
        replace(entry, external_id=storable_text(entry.external_id), note=storable_text(entry.note))
        for entry in entries
    ]
    problems: dict[int, dict[str, str]] = {}
    repeated = duplicate_external_ids([entry.external_id for entry in entries])
    for position, entry in enumerate(entries):
        found = hours_problems(entry, now)
        if entry.external_id in repeated:
            found["external_id"] = "This external id appears more than once in the request."
        if found:
            problems[position] = found
    if problems:
        raise HoursRejected(problems)
    stored = HoursStored()
    with transaction.atomic():
        ConnectedBusiness.objects.select_for_update().filter(pk=business.pk).first()
        existing = {
            row.external_id: row
            for row in locked_entries(business).filter(
                source=source, external_id__in=[entry.external_id for entry in entries]
            )
        }
        for position, entry in enumerate(entries):
            row = existing.get(entry.external_id)
            if row is not None and (row.billed or row.on_draft):
                problems[position] = {"external_id": _locked_message(row)}
        if problems:
            raise HoursRejected(problems)
        new_rows = []
        for position, entry in enumerate(entries):
            row = existing.get(entry.external_id)
            columns = _columns(entry)
            if row is None:
                new_rows.append(
                    TimeEntry(
                        business=business,
                        freshbooks_id=PLACEHOLDER_BASE - position,
                        source=source,
                        source_tool=tool,
                        external_id=entry.external_id,
                        created_by=user,
                        is_logged=True,
                        internal=False,
                        billed=False,
                        created_remote=now,
                        updated_remote=now,
                        **columns,
                    )
                )
            elif any(getattr(row, name) != value for name, value in columns.items()):
                for name, value in columns.items():
                    setattr(row, name, value)
                row.updated_remote = now
                row.save()
                stored.updated += 1
                stored.entries.append(row)
            else:
                stored.unchanged += 1
                stored.entries.append(row)
        if new_rows:
            created = TimeEntry.objects.bulk_create(new_rows)
            ids = [row.pk for row in created]
            TimeEntry.objects.filter(pk__in=ids).update(freshbooks_id=-F("pk"))
            for row in created:
                row.freshbooks_id = -row.pk
            stored.added = len(created)
            stored.entries.extend(created)
    logger.info(
        "business %s: %s hours added %s, updated %s, unchanged %s",
        business.pk,
        source,
        stored.added,
        stored.updated,
        stored.unchanged,
    )
    return stored


def _locked_message(row) -> str:
    if row.billed:
        return "This entry is already billed, so it can no longer be changed."
    return "This entry is on a draft invoice; void the draft to change it."


def hours_delete(*, business: ConnectedBusiness, entry_id: int) -> None:
    """Remove an unbilled outside entry (kept as inactive: a voided draft may still name it).

    Raises TimeEntry.DoesNotExist (not this business's, or from FreshBooks) and HoursLocked.
    """
    with transaction.atomic():
        ConnectedBusiness.objects.select_for_update().filter(pk=business.pk).first()
        row = (
            locked_entries(business)
            .filter(source__in=OUTSIDE_SOURCES, active=True)
            .select_for_update(of=("self",))
            .get(pk=entry_id)
        )
        if row.billed or row.on_draft:
            raise HoursLocked(_locked_message(row))
        row.active = False
        row.save(update_fields=["active", "synced_at"])
