"""SQLite state: one connection behind one lock, so a threaded server never sees half a write.

Objects with many fields (clients, invoices, projects, services, expenses, taxes) are a few indexed
columns plus their JSON body; time entries are plain columns because they are listed and filtered
by the tens of thousands. Id sequences start at different offsets per table so that passing a
client id where a project id belongs finds nothing, as it would in FreshBooks.

Webhook events raised inside a transaction are handed to the event sink only after COMMIT.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS identities (
    identity_id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    identity_uuid TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS businesses (
    business_id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT UNIQUE,
    business_uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    currency_code TEXT NOT NULL,
    data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS memberships (
    membership_id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id INTEGER NOT NULL,
    business_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (identity_id, business_id)
);

CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    identity_id INTEGER NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS oauth_tokens (
    token_id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    identity_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    access_token TEXT NOT NULL UNIQUE,
    refresh_token TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    refresh_spent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS oauth_tokens_owner ON oauth_tokens (identity_id, client_id);

CREATE TABLE IF NOT EXISTS clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    vis_state INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clients_account ON clients (account_id, id);

CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    customerid INTEGER NOT NULL,
    create_date TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    vis_state INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_account ON invoices (account_id, id);
CREATE INDEX IF NOT EXISTS invoices_customer ON invoices (account_id, customerid, create_date);

CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id INTEGER NOT NULL,
    client_id INTEGER,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_business ON projects (business_id, id);

CREATE TABLE IF NOT EXISTS services (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id INTEGER NOT NULL,
    vis_state INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS services_business ON services (business_id, id);

CREATE TABLE IF NOT EXISTS service_rates (
    business_id INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (business_id, service_id)
);

CREATE TABLE IF NOT EXISTS project_service_rates (
    business_id INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (project_id, service_id)
);

CREATE TABLE IF NOT EXISTS team_member_rates (
    business_id INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (business_id, identity_id)
);

CREATE TABLE IF NOT EXISTS time_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    client_id INTEGER,
    project_id INTEGER,
    service_id INTEGER,
    note TEXT NOT NULL,
    started_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    duration INTEGER NOT NULL,
    is_logged INTEGER NOT NULL,
    timer_id INTEGER,
    active INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    billed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS time_entries_business_id ON time_entries (business_id, id);
CREATE INDEX IF NOT EXISTS time_entries_business_updated ON time_entries (business_id, updated_at);
CREATE INDEX IF NOT EXISTS time_entries_listing
    ON time_entries (business_id, started_at, id, active, is_logged);

CREATE TABLE IF NOT EXISTS callbacks (
    callbackid INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    business_id INTEGER NOT NULL,
    identity_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    uri TEXT NOT NULL,
    verifier TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS callbacks_account ON callbacks (account_id, callbackid);

CREATE TABLE IF NOT EXISTS taxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS taxes_account ON taxes (account_id, id);

CREATE TABLE IF NOT EXISTS expense_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS expense_categories_account ON expense_categories (account_id, id);

CREATE TABLE IF NOT EXISTS expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    clientid INTEGER NOT NULL,
    projectid INTEGER NOT NULL,
    date TEXT NOT NULL,
    vis_state INTEGER NOT NULL,
    invoiceid INTEGER,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS expenses_account ON expenses (account_id, date, id);
CREATE INDEX IF NOT EXISTS expenses_invoice ON expenses (account_id, invoiceid);
"""

# First ids per table: distinct ranges make a mixed-up id a 404 instead of a wrong object.
SEQUENCE_STARTS = {
    "identities": 65000,
    "businesses": 439000,
    "memberships": 140000,
    "oauth_tokens": 1,
    "clients": 56000,
    "invoices": 987000,
    "projects": 654000,
    "services": 4054000,
    "time_entries": 419000,
    "callbacks": 2000,
    "taxes": 7800,
    "expense_categories": 3100000,
    "expenses": 5230000,
}

# Emptied by a reset (registered apps live in the configuration, not here).
STATE_TABLES = (
    "meta",
    "identities",
    "businesses",
    "memberships",
    "oauth_codes",
    "oauth_tokens",
    "clients",
    "invoices",
    "projects",
    "services",
    "service_rates",
    "project_service_rates",
    "team_member_rates",
    "time_entries",
    "callbacks",
    "taxes",
    "expense_categories",
    "expenses",
)


@dataclass(frozen=True)
class Event:
    """A FreshBooks webhook event (``<noun>.<verb>``) raised by a committed change."""

    name: str
    object_id: int
    account_id: str
    business_id: int
    identity_id: int


class Transaction:
    def __init__(self, connection: sqlite3.Connection, cache: dict[Any, Any]):
        self.connection = connection
        self.events: list[Event] = []
        # Derived read results (list totals); emptied by every commit, so never stale.
        self.cache = cache

    def execute(self, sql: str, parameters: tuple | list = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        return self.connection.executemany(sql, rows)

    def one(self, sql: str, parameters: tuple | list = ()) -> sqlite3.Row | None:
        return self.connection.execute(sql, parameters).fetchone()

    def all(self, sql: str, parameters: tuple | list = ()) -> list[sqlite3.Row]:
        return self.connection.execute(sql, parameters).fetchall()

    def emit(self, event: Event) -> None:
        self.events.append(event)


class Database:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.executescript(SCHEMA)
        self._start_sequences()
        self._cache: dict[Any, Any] = {}
        self.event_sink: Callable[[list[Event]], None] | None = None

    def _start_sequences(self) -> None:
        for table, start in SEQUENCE_STARTS.items():
            self._connection.execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                (table, start, table),
            )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction; events raised in it are emitted once it has committed."""
        with self._lock:
            transaction = Transaction(self._connection, self._cache)
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield transaction
            except BaseException:
                self._connection.execute("ROLLBACK")
                self._cache.clear()
                raise
            self._connection.execute("COMMIT")
            self._cache.clear()
        if transaction.events and self.event_sink is not None:
            self.event_sink(transaction.events)

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        with self._lock:
            yield Transaction(self._connection, self._cache)

    def is_empty(self) -> bool:
        with self.reading() as reader:
            return reader.one("SELECT 1 FROM identities LIMIT 1") is None

    def reset(self) -> None:
        with self.transaction() as transaction:
            for table in STATE_TABLES:
                transaction.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text)
