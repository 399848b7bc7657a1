"""Batch upserts of FreshBooks objects into the mirrors: one statement per page.

The model is any mirror (`Mirror` subclasses, team members, rates), reached through its default
manager as generic Django code does; every mirror's is its plain `objects`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from integration_app.untrusted_text import storable_json, storable_text
from invoicing.sync.mappers import Unusable

MAX_SKIP_REASONS = 50


@dataclass
class BatchOutcome:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)


def mirror_upsert(
    *,
    model: type[models.Model],
    business,
    run_id: int | None,
    raws: Iterable[dict[str, Any]],
    columns: Callable[[dict[str, Any]], dict[str, Any]],
    key: str = "freshbooks_id",
    object_name: str,
) -> BatchOutcome:
    """Insert or update one page of objects; unusable ones are skipped with their reason.

    Duplicates within the page (FreshBooks may repeat an id across pages of a moving list) keep
    the last copy, so the statement never touches a row twice.
    """
    outcome = BatchOutcome()
    rows: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for raw in raws:
        raw = storable_json(raw)
        try:
            row_columns: dict[str, Any] = {
                name: storable_text(value) if isinstance(value, str) else value
                for name, value in columns(raw).items()
            }
        except Unusable as reason:
            outcome.skipped.append(
                {"object": object_name, "id": raw.get("id"), "reason": str(reason)}
            )
            continue
        rows[row_columns[key]] = (row_columns, raw)
    if not rows:
        return outcome
    existing = set(
        model._default_manager.filter(business=business, **{f"{key}__in": list(rows)}).values_list(
            key, flat=True
        )
    )
    outcome.added = len(rows.keys() - existing)
    reported_deleted = {
        object_key for object_key, (row, _raw) in rows.items() if row.get("active") is False
    }
    outcome.deleted = len(reported_deleted & existing)
    outcome.updated = len((rows.keys() & existing) - reported_deleted)
    # In key order: PostgreSQL locks the rows in the order given, so two upserts of overlapping
    # pages (a sync's page and a preview's fresh read, listed in other orders) cannot deadlock.
    objects = [
        model(business=business, raw=raw, seen_by_run_id=run_id, **row_columns)
        for _key, (row_columns, raw) in sorted(rows.items())
    ]
    update_fields = [name for name in next(iter(rows.values()))[0] if name != key]
    update_fields.append("raw")
    if run_id is not None:
        # A refresh outside a sync (a webhook) keeps the marker a running full sync left.
        update_fields.append("seen_by_run_id")
    if any(f.name == "synced_at" for f in model._meta.concrete_fields):
        update_fields.append("synced_at")
    model._default_manager.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["business", key],
        update_fields=update_fields,
    )
    return outcome


def mirror_deactivate_unseen(
    *, model: type[models.Model], business, run_id: int, listed_since: datetime | None = None
) -> int:
    """After a complete listing, active objects the run did not see are gone from FreshBooks.

    An object re-read from FreshBooks after the listing began (`listed_since`: a webhook refresh
    while the sync ran) was live then, whatever the listing saw, so it is never deactivated here:
    if FreshBooks deleted it since, its own delete event or the next full sync says so.
    """
    changes: dict[str, Any] = {"active": False}
    unseen = model._default_manager.filter(business=business, active=True).exclude(
        seen_by_run_id=run_id
    )
    if any(f.name == "synced_at" for f in model._meta.concrete_fields):
        changes["synced_at"] = timezone.now()
        if listed_since is not None:
            unseen = unseen.filter(synced_at__lt=listed_since)
    return unseen.update(**changes)


def mirror_delete_unseen(*, model: type[models.Model], business, run_id: int) -> int:
    """Rates have no deleted state: one FreshBooks no longer lists is removed."""
    deleted, _ = (
        model._default_manager.filter(business=business).exclude(seen_by_run_id=run_id).delete()
    )
    return deleted
