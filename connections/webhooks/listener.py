"""The webhook worker's listener: stored deliveries' notifications become processing tasks.

Runs as a thread in the main process of every worker that consumes the ``webhooks`` queue, on a
PostgreSQL connection of its own. Only one listener per database and broker namespace acts at a
time (a session advisory lock; the others wait to take over), so each delivery is enqueued once.
On taking over it first listens, then enqueues every pending delivery already due, so deliveries
stored while no listener ran (a restart, the worker starting after them) are not left to the
sweeper. Whatever it still misses (a broker down when it publishes, a connection cut) stays pending
and the sweeper enqueues it within its interval.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

import psycopg
from django.db import connection

from connections.models import WebhookDelivery
from connections.webhooks.wakeup import wake_channel
from integration_app.enqueue import PROCESS_WEBHOOK_DELIVERY, publish_now

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# How often a listener that does not hold the lock tries again, and waits after a failure.
RETRY_SECONDS = 5.0
# How long one wait for notifications lasts before the thread checks whether it should stop.
POLL_SECONDS = 1.0
CATCH_UP_LIMIT = 5000
# A dead peer (a cut network) ends the session within ~30 s, releasing the lock to another host.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def _lock_key(channel: str) -> int:
    return int.from_bytes(hashlib.sha256(channel.encode()).digest()[:8], "big", signed=True)


def connection_params() -> dict:
    """Django's own connection parameters for the default database, as psycopg takes them."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return {**params, **KEEPALIVES, "autocommit": True}


def _publish(delivery_id: int) -> bool:
    return publish_now(PROCESS_WEBHOOK_DELIVERY, (delivery_id,))


class DeliveryListener:
    """``run()`` until ``stop()``; ``publish`` sends one delivery's task (False if it could not)."""

    def __init__(
        self,
        *,
        channel: str | None = None,
        publish: Callable[[int], bool] | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ):
        self.channel = channel or wake_channel()
        self.publish = publish or _publish
        self.retry_seconds = retry_seconds
        self.leading = threading.Event()
        self._stopping = threading.Event()
        self._params = connection_params()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._session()
            except Exception as error:  # a cut connection, a database restart: start again
                logger.warning("webhook listener: %s; starting again", error)
            self.leading.clear()
            self._stopping.wait(self.retry_seconds)

    def _session(self) -> None:
        with psycopg.connect(**self._params) as db:
            while not self._holds_lock(db):
                if self._stopping.wait(self.retry_seconds):
                    return
            db.execute(f'LISTEN "{self.channel}"')
            self.leading.set()
            self._catch_up(db)
            while not self._stopping.is_set():
                for notification in db.notifies(timeout=POLL_SECONDS):
                    self._enqueue(notification.payload)

    def _holds_lock(self, db: psycopg.Connection) -> bool:
        row = db.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(self.channel)]).fetchone()
        return bool(row and row[0])

    def _catch_up(self, db: psycopg.Connection) -> None:
        table = connection.ops.quote_name(WebhookDelivery._meta.db_table)
        rows = db.execute(
            f"SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= now() "  # noqa: S608 - names from the model
            "ORDER BY next_attempt_at LIMIT %s",
            [Status.PENDING.value, CATCH_UP_LIMIT],
        ).fetchall()
        for (delivery_id,) in rows:
            self.publish(delivery_id)
        if rows:
            logger.info("webhook listener: %s pending deliveries enqueued on start", len(rows))

    def _enqueue(self, payload: str) -> None:
        if not payload.isdigit():
            logger.warning("webhook listener: ignored a notification that is not a delivery id")
            return
        # publish_now logs and returns False when the broker is down: the sweeper takes the row.
        self.publish(int(payload))


_running: DeliveryListener | None = None


def delivery_listener_start() -> DeliveryListener:
    """Start this process's listener thread (once); the worker calls it when ready."""
    global _running
    if _running is None:
        _running = DeliveryListener()
        thread = threading.Thread(target=_running.run, name="webhook-listener", daemon=True)
        thread.start()
    return _running


def delivery_listener_stop() -> None:
    if _running is not None:
        _running.stop()
