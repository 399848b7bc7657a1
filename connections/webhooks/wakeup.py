"""Waking the webhook worker for a stored delivery without a broker call on the request path.

The endpoint only stores the row (the outbox) and, in the same statement or transaction, sends a
PostgreSQL ``NOTIFY`` carrying its id; PostgreSQL delivers it once the row has committed, never
for a row rolled back. One listener among the webhook workers (``connections.webhooks.listener``)
turns notifications into ``webhooks.process_delivery`` tasks. A notification nobody heard (no
listener, a listener restarting, a broker down when it published) leaves the row pending, and the
sweeper enqueues it within its interval, as for any other lost task.

The channel belongs to the broker namespace (``CELERY_BROKER_KEYPREFIX``), like the task it stands
for: workers of another prefix sharing the database never hear it.
"""

from __future__ import annotations

import functools
import hashlib

from celery import current_app
from django.db import connection

CHANNEL = "webhook_deliveries"


def broker_key_prefix() -> str:
    options = current_app.conf.broker_transport_options or {}
    return str(options.get("global_keyprefix") or "")


def wake_channel() -> str:
    """The ``LISTEN``/``NOTIFY`` channel of this process's broker namespace (a safe identifier)."""
    return _channel_for(broker_key_prefix())


@functools.cache
def _channel_for(prefix: str) -> str:
    if not prefix:
        return CHANNEL
    return f"{CHANNEL}_{hashlib.sha256(prefix.encode()).hexdigest()[:16]}"


def delivery_wake(delivery_id: int) -> None:
    """Wake the worker for a delivery stored in the current transaction (or just committed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [wake_channel(), str(delivery_id)])
