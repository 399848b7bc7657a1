"""Time entries (reference §4).

Choices where the reference is UNCONFIRMED:
- Lists run newest first by ``started_at``, ties by id descending, stable across pages.
- Deleting is soft: ``active`` becomes false; such entries are listed only with
  ``include_deleted=true`` and can still be fetched by id, but not updated.
- Running timers (``is_logged: false``) are listed only with ``include_unlogged=true``.
- ``billable`` defaults to false when not sent (the Postman example's response); the control API's
  act-as-user endpoint defaults it to true, as the FreshBooks UI does for client work.
- ``client_id`` defaults to the project's client; a project of another client is a 422.
- ``internal`` is derived: true when the entry has no client.
- Owners, admins, managers and accountants see every member's entries; employees and contractors
  see their own (``team`` is accepted and changes nothing).
- ``PUT {"time_entry": {"billed": true}}`` is honoured (the app marks billed entries this way).
- ``updated_since`` is inclusive (``updated_at >= since``), compared to the microsecond.
- ``meta`` adds ``total_logged`` and ``total_unbilled`` (seconds over the whole filtered list).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox import clock
from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import clients, identities, projects, services
from sandbox.store.common import Window, emit
from sandbox.validation import MISSING, Fields

TIMER_ID_OFFSET = 150000
ALL_REFERENCES = frozenset({"identity_id", "client_id", "project_id", "service_id"})
STARTED_FORMAT = "%Y-%m-%dT%H:%M:%S"

COLUMNS = (
    "business_id, identity_id, client_id, project_id, service_id, note, started_at, created_at, "
    "updated_at, duration, is_logged, timer_id, active, billable, billed"
)


def started_text(moment: datetime) -> str:
    return clock.formatted(moment.astimezone(clock.UTC), STARTED_FORMAT)


def document(row, timezone_name: str) -> dict[str, Any]:
    # Stored as STARTED_FORMAT, which ``fromisoformat`` reads (far cheaper than ``strptime``).
    started = datetime.fromisoformat(row["started_at"]).replace(tzinfo=clock.UTC)
    timer = None
    if row["timer_id"] is not None:
        timer = {"id": row["timer_id"], "is_running": not row["is_logged"]}
    return {
        "id": row["id"],
        "identity_id": row["identity_id"],
        "is_logged": bool(row["is_logged"]),
        "started_at": row["started_at"] + "Z",
        "created_at": row["created_at"],
        "client_id": row["client_id"],
        "project_id": row["project_id"],
        "pending_client": None,
        "pending_project": None,
        "pending_task": None,
        "task_id": None,
        "service_id": row["service_id"],
        "note": row["note"],
        "active": bool(row["active"]),
        "billable": bool(row["billable"]),
        "billed": bool(row["billed"]),
        "internal": row["client_id"] is None,
        "retainer_id": None,
        "duration": row["duration"],
        "timer": timer,
        "local_started_at": clock.local_naive(started, timezone_name),
        "local_timezone": timezone_name,
    }


def _read_fields(payload: Any, *, creating: bool, default_billable: bool) -> dict[str, Any]:
    fields = Fields(payload, "time_entry")
    changes = {
        "started_at": fields.moment("started_at", required=creating),
        "duration": fields.integer("duration", nullable=False),
        "is_logged": fields.boolean("is_logged"),
        "identity_id": fields.integer("identity_id", nullable=False),
        "client_id": fields.integer("client_id"),
        "project_id": fields.integer("project_id"),
        "service_id": fields.integer("service_id"),
        "note": fields.text("note", max_length=20000),
        "billable": fields.boolean("billable"),
        "billed": fields.boolean("billed"),
    }
    fields.check()
    changes = {name: value for name, value in changes.items() if value is not MISSING}
    if "note" in changes and changes["note"] is None:
        changes["note"] = ""
    if creating:
        changes.setdefault("is_logged", True)
        changes.setdefault("billable", default_billable)
        changes.setdefault("billed", False)
        changes.setdefault("note", "")
        if changes["is_logged"] and "duration" not in changes:
            raise ValidationFailed(
                {"duration": FieldError("required", "Logged entries must have a duration")},
                "time_entry",
            )
        changes.setdefault("duration", 0)
    return changes


def _check_references(
    transaction: Transaction,
    business: dict[str, Any],
    entry: dict[str, Any],
    changed: set[str] | frozenset[str],
) -> None:
    """Check the references this write sets; untouched ones may point at since-deleted objects
    (marking an entry billed must work after its client was deleted)."""
    business_id = business["business_id"]
    problems: dict[str, FieldError] = {}
    if "identity_id" in changed and (
        identities.staff_role(transaction, entry["identity_id"], business_id) is None
    ):
        problems["identity_id"] = FieldError("unknown", "Team member not found")
    if "project_id" in changed and entry["project_id"] is not None:
        if not projects.exists(transaction, business_id, entry["project_id"]):
            problems["project_id"] = FieldError("unknown", "Project not found")
        else:
            project_client = projects.client_of(transaction, business_id, entry["project_id"])
            if entry["client_id"] is None:
                entry["client_id"] = project_client
            elif project_client is not None and project_client != entry["client_id"]:
                problems["project_id"] = FieldError("invalid", "Project belongs to another client")
    if (
        changed & {"client_id", "project_id"}
        and entry["client_id"] is not None
        and not clients.exists(transaction, business["account_id"], entry["client_id"])
    ):
        problems["client_id"] = FieldError("unknown", "Client not found")
    if (
        "service_id" in changed
        and entry["service_id"] is not None
        and not services.exists(transaction, business_id, entry["service_id"])
    ):
        problems["service_id"] = FieldError("unknown", "Service not found")
    if problems:
        raise ValidationFailed(problems, "time_entry")


def create(
    transaction: Transaction,
    business: dict[str, Any],
    payload: Any,
    *,
    identity_id: int,
    default_billable: bool = False,
) -> dict[str, Any]:
    changes = _read_fields(payload, creating=True, default_billable=default_billable)
    entry = {"identity_id": identity_id, "client_id": None, "project_id": None, "service_id": None}
    entry.update(changes)
    _check_references(transaction, business, entry, ALL_REFERENCES)
    now = clock.utc_now()
    cursor = transaction.execute(
        f"INSERT INTO time_entries ({COLUMNS}) "  # noqa: S608 - fixed column list
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        (
            business["business_id"],
            entry["identity_id"],
            entry["client_id"],
            entry["project_id"],
            entry["service_id"],
            entry["note"],
            started_text(entry["started_at"]),
            clock.iso_z(now),
            clock.stamp(now),
            entry["duration"],
            int(entry["is_logged"]),
            None,
            int(entry["billable"]),
            int(entry["billed"]),
        ),
    )
    entry_id = cursor.lastrowid
    if not entry["is_logged"]:
        transaction.execute(
            "UPDATE time_entries SET timer_id = ? WHERE id = ?",
            (entry_id + TIMER_ID_OFFSET, entry_id),
        )
    emit(transaction, business, "time_entry", "create", entry_id, identity_id)
    return get(transaction, business, entry_id)


def _row(
    transaction: Transaction, business: dict[str, Any], entry_id: int, *, only_own: int | None
):
    row = transaction.one(
        "SELECT * FROM time_entries WHERE business_id = ? AND id = ?",
        (business["business_id"], entry_id),
    )
    if row is None or (only_own is not None and row["identity_id"] != only_own):
        raise NotFound("time_entry", "id", entry_id)
    return row


def get(
    transaction: Transaction,
    business: dict[str, Any],
    entry_id: int,
    *,
    only_own: int | None = None,
) -> dict[str, Any]:
    return document(_row(transaction, business, entry_id, only_own=only_own), business["timezone"])


def update(
    transaction: Transaction,
    business: dict[str, Any],
    entry_id: int,
    payload: Any,
    *,
    identity_id: int,
    only_own: int | None = None,
) -> dict[str, Any]:
    row = _row(transaction, business, entry_id, only_own=only_own)
    if not row["active"]:
        raise NotFound("time_entry", "id", entry_id)
    changes = _read_fields(payload, creating=False, default_billable=False)
    entry = dict(row)
    entry.update(changes)
    if "started_at" in changes:
        entry["started_at"] = started_text(changes["started_at"])
    _check_references(transaction, business, entry, set(changes))
    timer_id = row["timer_id"]
    if not entry["is_logged"] and timer_id is None:
        timer_id = entry_id + TIMER_ID_OFFSET
    transaction.execute(
        "UPDATE time_entries SET identity_id = ?, client_id = ?, project_id = ?, service_id = ?, "
        "note = ?, started_at = ?, updated_at = ?, duration = ?, is_logged = ?, timer_id = ?, "
        "billable = ?, billed = ? WHERE id = ?",
        (
            entry["identity_id"],
            entry["client_id"],
            entry["project_id"],
            entry["service_id"],
            entry["note"],
            entry["started_at"],
            clock.stamp(clock.utc_now()),
            entry["duration"],
            int(entry["is_logged"]),
            timer_id,
            int(entry["billable"]),
            int(entry["billed"]),
            entry_id,
        ),
    )
    emit(transaction, business, "time_entry", "update", entry_id, identity_id)
    return get(transaction, business, entry_id)


def delete(
    transaction: Transaction,
    business: dict[str, Any],
    entry_id: int,
    *,
    identity_id: int,
    only_own: int | None = None,
) -> None:
    row = _row(transaction, business, entry_id, only_own=only_own)
    if not row["active"]:
        raise NotFound("time_entry", "id", entry_id)
    transaction.execute(
        "UPDATE time_entries SET active = 0, updated_at = ? WHERE id = ?",
        (clock.stamp(clock.utc_now()), entry_id),
    )
    emit(transaction, business, "time_entry", "delete", entry_id, identity_id)


def search(
    transaction: Transaction,
    business: dict[str, Any],
    filters: dict[str, Any],
    window: Window,
    *,
    only_own: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Filters: ``billable``, ``billed``, ``include_deleted``, ``include_unlogged`` (bools),
    ``client_id``, ``project_id``, ``identity_id``, ``started_from``, ``started_to``,
    ``updated_since`` (aware datetimes). Returns the page and ``total``, ``total_logged``,
    ``total_unbilled``."""
    clauses = ["business_id = ?"]
    parameters: list[Any] = [business["business_id"]]
    if not filters.get("include_deleted"):
        clauses.append("active = 1")
    if not filters.get("include_unlogged"):
        clauses.append("is_logged = 1")
    for flag in ("billable", "billed"):
        if flag in filters:
            clauses.append(f"{flag} = ?")
            parameters.append(int(filters[flag]))
    if only_own is not None:
        clauses.append("identity_id = ?")
        parameters.append(only_own)
    for key in ("client_id", "project_id", "identity_id"):
        if key in filters:
            clauses.append(f"{key} = ?")
            parameters.append(filters[key])
    if "started_from" in filters:
        clauses.append("started_at >= ?")
        parameters.append(started_text(filters["started_from"]))
    if "started_to" in filters:
        clauses.append("started_at <= ?")
        parameters.append(started_text(filters["started_to"]))
    if "updated_since" in filters:
        clauses.append("updated_at >= ?")
        parameters.append(clock.stamp(filters["updated_since"]))
    where = " AND ".join(clauses)
    aggregate = (
        "SELECT COUNT(*) AS total, COALESCE(SUM(duration), 0) AS total_logged, "
        "COALESCE(SUM(CASE WHEN billable = 1 AND billed = 0 THEN duration ELSE 0 END), 0) "
        "AS total_unbilled FROM time_entries WHERE "
    )
    cache_key = ("time_entry_totals", where, tuple(parameters))
    totals = transaction.cache.get(cache_key)
    if totals is None:
        totals = dict(transaction.one(aggregate + where, parameters))
        transaction.cache[cache_key] = totals
    rows = _page_rows(transaction, where, parameters, window)
    timezone_name = business["timezone"]
    return [document(row, timezone_name) for row in rows], dict(totals)


# Bookmarks kept per filtered list until the next write; a walk of 100,000 entries by 100 needs
# 1,000, and a list walked further than this simply pays for OFFSET again.
MAX_BOOKMARKS = 5000
# How many pages back a page may seek from (a reader walking several pages at once).
BOOKMARK_REACH = 16


def _page_rows(transaction: Transaction, where: str, parameters: list[Any], window: Window):
    """The rows at ``window`` of the list, newest first, exactly as ``LIMIT ? OFFSET ?`` gives them.

    OFFSET walks every row before the page, so the 500th page of a list cost 500 pages' work. Each
    page therefore leaves a bookmark: the sort key of its last row, filed under the offset where
    the next page starts. A page that starts at a bookmarked offset seeks there through the
    listing index (``(started_at, id) < bookmark``). Bookmarks live in the read cache, which every
    commit empties, so one is only used while the list is exactly as it was when it was filed;
    a write transaction (whose own changes the cache would not know yet) neither uses nor files one.
    """
    order = " ORDER BY started_at DESC, id DESC LIMIT ?"
    bookmarks: dict[int, tuple[str, int]] = {}
    if not transaction.connection.in_transaction:
        key = ("time_entry_bookmarks", where, tuple(parameters))
        bookmarks = transaction.cache.setdefault(key, bookmarks)
    # Pages asked for a few at a time may arrive out of order: a page whose own bookmark is not
    # filed yet seeks to the nearest one filed before it and skips the few rows in between.
    after, skip = None, 0
    if window.offset:
        for behind in range(BOOKMARK_REACH):
            after = bookmarks.get(window.offset - behind * window.limit)
            if after is not None:
                skip = behind * window.limit
                break
    if after is not None:
        rows = transaction.all(
            f"SELECT * FROM time_entries WHERE {where} AND (started_at, id) < (?, ?)"  # noqa: S608
            + order
            + " OFFSET ?",
            (*parameters, *after, window.limit, skip),
        )
    else:
        rows = transaction.all(
            f"SELECT * FROM time_entries WHERE {where}" + order + " OFFSET ?",  # noqa: S608
            (*parameters, window.limit, window.offset),
        )
    if rows:
        if len(bookmarks) >= MAX_BOOKMARKS:
            bookmarks.clear()
        last = rows[-1]
        bookmarks[window.offset + len(rows)] = (last["started_at"], last["id"])
    return rows


def all_for_business(transaction: Transaction, business: dict[str, Any]) -> list[dict[str, Any]]:
    """Every entry, deleted and running ones included, with its internal ``updated_at``."""
    rows = transaction.all(
        "SELECT * FROM time_entries WHERE business_id = ? ORDER BY started_at DESC, id DESC",
        (business["business_id"],),
    )
    return [
        {**document(row, business["timezone"]), "updated_at": row["updated_at"]} for row in rows
    ]


def insert_many(transaction: Transaction, rows: list[tuple]) -> None:
    """Bulk insert for seeding; each row follows ``COLUMNS``."""
    transaction.executemany(
        f"INSERT INTO time_entries ({COLUMNS}) "  # noqa: S608 - fixed column list
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
