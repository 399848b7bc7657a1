"""Batch upserts of FreshBooks objects into the mirrors: one statement, one round trip per page.

The model is any mirror (`Mirror` subclasses, team members, rates), reached through its default
manager as generic Django code does; every mirror's is its plain `objects`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
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
    rows: dict[int, dict[str, Any]] = {}
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
        row_columns["raw"] = raw
        rows[row_columns[key]] = row_columns
    if not rows:
        return outcome
    reported_deleted = {
        object_key for object_key, row in rows.items() if row.get("active") is False
    }
    # In key order: PostgreSQL locks the rows in the order the statement meets them, so two upserts
    # of overlapping pages (a sync's page and a preview's fresh read, listed in other orders)
    # cannot deadlock (found by the several-hosts drill).
    ordered = [row for _key, row in sorted(rows.items())]
    for object_key, inserted in _upsert_page(
        model=model, business=business, run_id=run_id, rows=ordered, key=key
    ):
        if inserted:
            outcome.added += 1
        elif object_key in reported_deleted:
            outcome.deleted += 1
        else:
            outcome.updated += 1
    return outcome


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a mirror column value")


def _upsert_page(
    *, model: type[models.Model], business, run_id: int | None, rows: list[dict], key: str
) -> list[tuple[int, bool]]:
    """One round trip: the page travels as one JSON parameter (``jsonb_to_recordset``), which
    costs far less to send than a parameter per value, and ``RETURNING`` says which rows were new
    (``xmax = 0``) instead of a SELECT before. Every column the mapper did not give takes its
    model default, as ``Model(...)`` would."""
    meta = model._meta
    given = [name for name in rows[0] if name != "raw"]
    fields = {field.name: field for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    record_columns = [*given, "raw"]
    record_types = ", ".join(
        f"{quote(fields[name].column)} {fields[name].db_type(connection)}"
        for name in record_columns
    )
    insert_columns = [fields["business"].column] + [fields[name].column for name in record_columns]
    select_values = ["%s"] + [f"r.{quote(fields[name].column)}" for name in record_columns]
    params: list[Any] = [business.pk]
    update_fields = [name for name in given if name != key] + ["raw"]
    if run_id is not None:
        # A refresh outside a sync (a webhook) keeps the marker a running full sync left.
        update_fields.append("seen_by_run_id")
    now = timezone.now()
    for other in meta.concrete_fields:
        if other.primary_key or other.name in ("business", *record_columns):
            continue
        value: Any
        if other.name == "seen_by_run_id":
            value = run_id
        elif other.name == "synced_at":
            value = now
            update_fields.append("synced_at")
        else:
            value = other.get_default()
        insert_columns.append(other.column)
        select_values.append("%s")
        params.append(other.get_db_prep_save(value, connection))
    key_column = quote(fields[key].column)
    assignments = ", ".join(
        f"{quote(fields[name].column)} = EXCLUDED.{quote(fields[name].column)}"
        for name in update_fields
    )
    # Only names from the model's meta, quoted; every value is a parameter.
    names = ", ".join(quote(column) for column in insert_columns)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {', '.join(select_values)} FROM jsonb_to_recordset(%s::jsonb) AS r("
        f"{record_types}) ON CONFLICT ({quote(fields['business'].column)}, {key_column}) "
        f"DO UPDATE SET {assignments} RETURNING {key_column}, (xmax = 0)"
    )
    params.append(json.dumps(rows, default=_json_value))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def mirror_deactivate_unseen(
    *,
    model: type[models.Model],
    business,
    run_id: int,
    listed_since: datetime | None = None,
    scope: models.Q | None = None,
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
    if scope is not None:  # e.g. only the time FreshBooks lists, not hours from outside it
        unseen = unseen.filter(scope)
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
