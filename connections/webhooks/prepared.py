"""Running the ingest statements as libpq prepared statements, with text parameters.

Every delivery the fast path stores runs one of a few fixed statements (``intake``). Through
psycopg's cursor each execution still converted the query, looked its prepared form up by the
query's text and dumped every parameter in Python, which cost more CPU than the whole floor's
INSERT. Here the statement is prepared once per database connection under a name derived from its
text, and each execution hands libpq the name and the parameters as text (``PQexecPrepared``,
which releases the GIL while PostgreSQL works). PostgreSQL types each parameter from the cast the
statement puts on it.

The cursor is wrapped in Django's own cursor wrapper, as ``connection.cursor()`` is: the health
check, query logging, execute wrappers and Django's database errors behave as for any query.
Rows come back as text (``str`` or None); the caller knows its columns' types. PostgreSQL only.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import ipaddress
import weakref
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg import pq

# The statements each psycopg connection has prepared, by name; gone with the connection.
_prepared: weakref.WeakKeyDictionary[psycopg.Connection, set[bytes]] = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=128)
def _statement_name(sql: str) -> bytes:
    return f"ingest_{hashlib.blake2s(sql.encode()).hexdigest()[:20]}".encode()


def _numbered(sql: str) -> str:
    """``%s`` placeholders as PostgreSQL's ``$1, $2, …`` (the statements hold no other ``%``)."""
    pieces = sql.split("%s")
    return pieces[0] + "".join(f"${number}{piece}" for number, piece in enumerate(pieces[1:], 1))


def as_text(value: Any, encoding: str) -> bytes | None:
    """A parameter's text form, as PostgreSQL's input function for its cast reads it. Only the
    types the ingest statements send; anything else is refused rather than guessed at."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode(encoding)
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime has no single meaning as timestamptz")
        return value.isoformat().encode()
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value).encode()
    raise TypeError(f"no text form for a {type(value).__name__} parameter")


def _raise_for(result: pq.abc.PGresult, encoding: str) -> None:
    """Raise the psycopg error of a failed result (Django's wrapper turns it into its own)."""
    message = result.error_message.decode(encoding, "replace").strip() or "the statement failed"
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
    error: type[psycopg.Error] = psycopg.OperationalError
    if sqlstate:
        try:
            error = psycopg.errors.lookup(sqlstate.decode())
        except KeyError:
            error = psycopg.DatabaseError
    raise error(message)


class PreparedStatementCursor:
    """The few cursor methods the ingest statements use, over the session's libpq connection."""

    def __init__(self, session: psycopg.Connection) -> None:
        self._session = session
        self._rows: list[tuple[str | None, ...]] = []

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        session = self._session
        if session.closed:
            raise psycopg.OperationalError("the connection is closed")
        pgconn, encoding = session.pgconn, session.info.encoding
        name = _statement_name(sql)
        prepared = _prepared.get(session)
        if prepared is None:
            prepared = _prepared.setdefault(session, set())
        if name not in prepared:
            result = pgconn.prepare(name, _numbered(sql).encode(encoding))
            if result.status != pq.ExecStatus.COMMAND_OK:
                _raise_for(result, encoding)
            prepared.add(name)
        texts = [as_text(value, encoding) for value in params]
        # None is SQL NULL: libpq takes it (psycopg's own cursors pass it), its stub omits it.
        result = pgconn.exec_prepared(name, cast("list[bytes]", texts))
        if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            _raise_for(result, encoding)
        columns = range(result.nfields)
        self._rows = [
            tuple(
                None if (text := result.get_value(row, column)) is None else text.decode(encoding)
                for column in columns
            )
            for row in range(result.ntuples)
        ]

    def fetchone(self) -> tuple[str | None, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[str | None, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs a statement with its parameters in it, as Django logs server-bound queries (its own
    way reads psycopg's cursor internals, which this cursor has not)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor() -> CursorWrapper:
    """A ``PreparedStatementCursor`` of the default connection, wrapped like
    ``connection.cursor()``: health check, query logging, execute wrappers, Django's errors."""
    database = connections[DEFAULT_DB_ALIAS]
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_thread_sharing()
    cursor = PreparedStatementCursor(database.connection)
    wrapper = _PreparedDebugWrapper if database.queries_logged else CursorWrapper
    return wrapper(cursor, database)
