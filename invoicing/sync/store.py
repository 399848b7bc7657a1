"""Batch upserts of FreshBooks objects into the mirrors: one statement, one round trip per page.

The model is any mirror (`Mirror` subclasses, team members, rates), reached through its default
manager as generic Django code does; every mirror's is its plain `objects`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from django.db import DatabaseError, connection, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
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


@dataclass(frozen=True)
class CountedInto:
    """A row the page's statement also updates: a sync run's counters and resume point.

    ``values`` are written as given (field name → value); ``added``, ``updated`` and ``deleted``
    name the counter fields, set to ``before`` (their values before this page) plus the page's
    counts, so the row says exactly what the page did, in the same transaction as the page.
    """

    model: type[models.Model]
    pk: int
    values: dict[str, Any]
    before: dict[str, int]


@dataclass
class MappedPage:
    """A page's usable objects by key, ready to store, and the ones skipped with their reason.

    ``prepared()`` writes each row's JSON once (a sync does it in the thread that read the page,
    while the caller's thread stores the one before); pages read one after another can be stored
    together (`merged`)."""

    rows: dict[int, dict[str, Any]]
    skipped: list[dict[str, Any]]
    texts: dict[int, str] | None = None

    def prepared(self) -> MappedPage:
        if self.texts is None:
            self.texts = {key: _row_json(row) for key, row in self.rows.items()}
        return self

    def statement_parts(self) -> tuple[dict[str, Any], str]:
        """A row (every row has the same columns) and the rows' JSON document, in key order:
        PostgreSQL locks the rows in the order the statement meets them, so two upserts of
        overlapping pages (a sync's page and a preview's fresh read, listed in other orders)
        cannot deadlock (found by the several-hosts drill)."""
        texts = self.prepared().texts or {}
        keys = sorted(self.rows)
        return self.rows[keys[0]], "[" + ",".join(texts[key] for key in keys) + "]"

    @staticmethod
    def merged(pages: list[MappedPage]) -> MappedPage:
        """Pages in the order they were listed as one: an object listed twice keeps its last copy,
        as storing them one after another would."""
        if len(pages) == 1:
            return pages[0]
        rows: dict[int, dict[str, Any]] = {}
        texts: dict[int, str] = {}
        skipped: list[dict[str, Any]] = []
        for page in pages:
            rows.update(page.rows)
            texts.update(page.prepared().texts or {})
            skipped.extend(page.skipped)
        return MappedPage(rows=rows, skipped=skipped, texts=texts)


def mirror_map(
    raws: Iterable[dict[str, Any]],
    columns: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    key: str = "freshbooks_id",
    object_name: str,
) -> MappedPage:
    """Each body's columns, with its raw JSON; an unusable body is skipped with the reason.

    Duplicates within the page (FreshBooks may repeat an id across pages of a moving list) keep
    the last copy, so the statement never touches a row twice."""
    page = MappedPage(rows={}, skipped=[])
    for raw in raws:
        try:
            row_columns: dict[str, Any] = {
                name: storable_text(value) if isinstance(value, str) else value
                for name, value in columns(raw).items()
            }
        except Unusable as reason:
            skipped = {"object": object_name, "id": raw.get("id"), "reason": str(reason)}
            page.skipped.append(storable_json(skipped))
            continue
        row_columns["raw"] = raw
        page.rows[row_columns[key]] = row_columns
    return page


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
    """Insert or update one page of objects; unusable ones are skipped with their reason."""
    page = mirror_map(raws, columns, key=key, object_name=object_name)
    return mirror_store(model=model, business=business, run_id=run_id, page=page, key=key)


def mirror_store(
    *,
    model: type[models.Model],
    business,
    run_id: int | None,
    page: MappedPage,
    key: str = "freshbooks_id",
    counted_into: CountedInto | None = None,
) -> BatchOutcome:
    """Store a mapped page in one statement. With ``counted_into`` the same statement (one round
    trip, one transaction even in autocommit) records the page's counts there."""
    outcome = BatchOutcome(skipped=page.skipped)
    if not page.rows:
        if counted_into is not None:
            _upsert_counted(None, counted_into)
        return outcome
    first, document = page.statement_parts()
    statement = _upsert_statement(
        model=model,
        business=business,
        run_id=run_id,
        given=tuple(name for name in first if name != "raw"),
        document=document,
        key=key,
    )
    if counted_into is not None:
        counts = _upsert_counted(statement, counted_into, reports_active="active" in first)
        outcome.added, outcome.updated, outcome.deleted = counts
        return outcome
    reported_deleted = {
        object_key for object_key, row in page.rows.items() if row.get("active") is False
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"{statement.sql} RETURNING {statement.key_column}, (xmax = 0)", statement.params
        )
        for object_key, inserted in cursor.fetchall():
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


def _row_json(row: dict[str, Any]) -> str:
    """A row as JSON. jsonb cannot hold NUL: in the rare body that has one (the text then holds
    its escape), the raw body is cleaned and the row written again; column text is already clean
    (``storable_text``)."""
    text = json.dumps(row, default=_json_value)
    if "\\u0000" not in text:
        return text
    row["raw"] = storable_json(row["raw"])
    return json.dumps(row, default=_json_value)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: list[Any]
    key_column: str


def _upsert_statement(
    *,
    model: type[models.Model],
    business,
    run_id: int | None,
    given: tuple[str, ...],
    document: str,
    key: str,
) -> _Statement:
    """One round trip: the page travels as one JSON parameter (``jsonb_to_recordset``), which
    costs far less to send than a parameter per value, and ``RETURNING`` says which rows were new
    (``xmax = 0``) instead of a SELECT before. Every column the mapper did not give takes its
    model default, as ``Model(...)`` would."""
    shape = _upsert_shape(model, given, key, marks_run=run_id is not None)
    now = timezone.now()
    params: list[Any] = [business.pk]
    for other in shape.defaulted:
        value: Any
        if other.name == "seen_by_run_id":
            value = run_id
        elif other.name == "synced_at":
            value = now
        else:
            value = other.get_default()
        params.append(other.get_db_prep_save(value, connection))
    params.append(document)
    return _Statement(sql=shape.sql, params=params, key_column=shape.key_column)


@dataclass(frozen=True)
class _Shape:
    sql: str
    key_column: str
    defaulted: tuple[models.Field, ...]


@functools.cache
def _upsert_shape(
    model: type[models.Model], given: tuple[str, ...], key: str, *, marks_run: bool
) -> _Shape:
    """The statement for pages of ``model`` with these mapped columns, built once (every page of a
    sync has the same shape); the columns not ``given`` take parameters, in ``defaulted`` order."""
    meta = model._meta
    fields = {field.name: field for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    record_columns = [*given, "raw"]
    record_types = ", ".join(
        f"{quote(fields[name].column)} {fields[name].db_type(connection)}"
        for name in record_columns
    )
    insert_columns = [fields["business"].column] + [fields[name].column for name in record_columns]
    select_values = ["%s"] + [f"r.{quote(fields[name].column)}" for name in record_columns]
    update_fields = [name for name in given if name != key] + ["raw"]
    if marks_run:
        # A refresh outside a sync (a webhook) keeps the marker a running full sync left.
        update_fields.append("seen_by_run_id")
    defaulted = []
    for other in meta.concrete_fields:
        if other.primary_key or other.name in ("business", *record_columns):
            continue
        if other.name == "synced_at":
            update_fields.append("synced_at")
        defaulted.append(other)
        insert_columns.append(other.column)
        select_values.append("%s")
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
        f"DO UPDATE SET {assignments}"
    )
    return _Shape(sql=sql, key_column=key_column, defaulted=tuple(defaulted))


def _upsert_counted(
    statement: _Statement | None, counted_into: CountedInto, *, reports_active: bool = False
) -> tuple[int, int, int]:
    """The upsert (if the page has rows) and the counted row's update as one statement; returns
    (added, updated, deleted). An update that was not new and says ``active: false`` is a
    deletion."""
    meta = counted_into.model._meta
    fields = {field.name: field for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in counted_into.values.items():
        assignments.append(f"{quote(fields[name].column)} = %s")
        params.append(fields[name].get_db_prep_save(value, connection))
    for name, before in counted_into.before.items():
        assignments.append(f"{quote(fields[name].column)} = %s + counts.{quote(name)}")
        params.append(before)
    if statement is None:
        page, page_params = "counts AS (SELECT 0 AS added, 0 AS updated, 0 AS deleted)", []
    else:
        gone = "NOT active" if reports_active else "false"
        page = (
            f"page AS ({statement.sql} RETURNING (xmax = 0) AS new, {gone} AS gone), "  # noqa: S608
            "counts AS (SELECT count(*) FILTER (WHERE new) AS added, "
            "count(*) FILTER (WHERE NOT new AND NOT gone) AS updated, "
            "count(*) FILTER (WHERE NOT new AND gone) AS deleted FROM page)"
        )
        page_params = statement.params
    sql = (
        f"WITH {page} UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608
        f"FROM counts WHERE {quote(meta.pk.column)} = %s "
        "RETURNING counts.added, counts.updated, counts.deleted"
    )
    with _bound_cursor() as cursor:
        cursor.execute(sql, [*page_params, *params, counted_into.pk])
        found = cursor.fetchone()
    if found is None:
        # What `save(update_fields=...)` raises when its row is gone.
        raise DatabaseError(f"{meta.object_name} {counted_into.pk} did not take the page's counts")
    return found


def _bound_cursor():
    """A cursor that sends the parameters apart from the statement (server-side binding), so the
    page's JSON (tens of kilobytes) is not escaped into the SQL text by Python first, as Django's
    client-side binding cursors do. Wrapped like any Django cursor (errors, query logging)."""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return CursorDebugWrapper(raw, connection)
    return CursorWrapper(raw, connection)


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
