"""Group commit: the deliveries a web process receives at the same moment share one commit.

Every accepted delivery must be durable before its 200, and one commit (a WAL flush) per request
cost half of a bare view's throughput. So the request threads of a web process hand their checked
rows to one ``GroupCommit``: the first thread to arrive while nothing is being written becomes the
writer, stores every row pending at that moment in one statement (one commit, in autocommit) on
its own connection, and wakes the others; rows arriving meanwhile wait for that commit to return
and go in the next one. No timer: alone, a delivery is written at once (as one row, by the same
one-row statement as before), and under load a batch is simply what piled up during the previous
commit, at most one row per request thread.

Each row keeps its own answer. Its key is re-checked per row in the statement, and only the rows
RETURNING names were stored: a row whose key no longer holds is not stored and its request judges
it afresh (``ingest``). When the statement fails, nothing of it was stored and every request in it
stores its own row alone, so an error fails that request (5xx, FreshBooks retries) and nobody
else's. A waiting thread is woken whatever the writer's statement does (``finally``).

Only for connections in autocommit (the webhook view): inside a transaction a row is not durable
when the statement returns, and another request's row must never ride on someone's transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db import connection

from connections.webhooks.intake import (
    KeyedRow,
    deliveries_store_if_keys_hold,
    delivery_store_if_key_holds,
)
from connections.webhooks.signing_keys import SigningKey


@dataclass(eq=False)
class _Waiting:
    keyed: KeyedRow
    done: bool = False
    stored: int | None = None  # the row's id once stored
    error: BaseException | None = None


@dataclass
class Written:
    """What a process's group commit wrote so far (statements and rows), for operators and tests."""

    statements: int = 0
    rows: int = 0
    largest: int = 0
    failed: int = 0


class GroupCommit:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: list[_Waiting] = []
        self._writing = False
        self.written = Written()

    def waiting(self) -> int:
        """Rows handed over and not yet taken by a writer."""
        with self._condition:
            return len(self._pending)

    def store(self, keyed: KeyedRow) -> int | None:
        """Store the row if its key holds, committed before this returns; its id when stored.

        Raises the database's error when the row could be neither stored with others nor alone.
        """
        waiting = _Waiting(keyed)
        with self._condition:
            self._pending.append(waiting)
            while self._writing and not waiting.done:
                self._condition.wait()
            if not waiting.done:
                self._writing = True
                batch, self._pending = self._pending, []
        if not waiting.done:
            self._write(batch)
        if waiting.error is not None:
            # The shared statement failed and stored nothing: this row goes alone.
            return delivery_store_if_key_holds(
                values=keyed.values, key=keyed.key, token=keyed.token, wake=keyed.wake
            )
        return waiting.stored

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            if len(batch) == 1:
                keyed = batch[0].keyed
                batch[0].stored = delivery_store_if_key_holds(
                    values=keyed.values, key=keyed.key, token=keyed.token, wake=keyed.wake
                )
            else:
                stored = deliveries_store_if_keys_hold([waiting.keyed for waiting in batch])
                for waiting, stored_id in zip(batch, stored, strict=True):
                    waiting.stored = stored_id
        except BaseException as error:
            for waiting in batch:
                waiting.error = error
            if len(batch) == 1:
                raise
        finally:
            with self._condition:
                self._count(batch)
                for waiting in batch:
                    waiting.done = True
                self._writing = False
                self._condition.notify_all()

    def _count(self, batch: list[_Waiting]) -> None:
        written = self.written
        written.statements += 1
        written.rows += len(batch)
        written.largest = max(written.largest, len(batch))
        written.failed += batch[0].error is not None


_group = GroupCommit()


def group_commit() -> GroupCommit:
    """This process's group commit."""
    return _group


def delivery_store_grouped(
    *, values: dict[str, Any], key: SigningKey, token: str, wake: bool
) -> int | None:
    """``intake.delivery_store_if_key_holds``, sharing its commit with concurrent deliveries when
    the connection is in autocommit; the stored row's id, or None."""
    if connection.in_atomic_block or not connection.get_autocommit():
        return delivery_store_if_key_holds(values=values, key=key, token=token, wake=wake)
    return _group.store(KeyedRow(values=values, key=key, token=token, wake=wake))
