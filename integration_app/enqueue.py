"""Enqueue Celery tasks after commit, without ever failing the caller.

Every queued unit of work has a database row with a status (the outbox), and beat sweepers
re-enqueue rows left pending. So a broker outage is logged and left to the sweepers instead of
turning a committed request into a 500, and publishing does not retry for seconds on a dead broker.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.db import transaction
from kombu import pools

logger = logging.getLogger(__name__)

FAIL_FAST_TRANSPORT_OPTIONS = {"max_retries": 0}
PRODUCER_WAIT_SECONDS = 2.0


def _fail_fast_producers() -> pools.ProducerPool:
    """A producer pool of its own (pools are keyed by connection settings), without retries."""
    connection = current_app.connection_for_write(transport_options=FAIL_FAST_TRANSPORT_OPTIONS)
    return pools.producers[connection]


def publish_now(task, args: tuple = (), *, countdown: float | None = None) -> bool:
    """Send the task at once; False (and a warning) when the broker is unreachable."""
    try:
        with _fail_fast_producers().acquire(block=True, timeout=PRODUCER_WAIT_SECONDS) as producer:
            # Called from transaction.on_commit(...) or outside any transaction.
            task.apply_async(args=args, countdown=countdown, producer=producer, retry=False)
    except Exception as error:  # any broker failure; the row stays pending for its sweeper
        logger.warning("could not enqueue %s%s, its sweeper will: %s", task.name, args, error)
        return False
    return True


def enqueue_on_commit(task, *args, countdown: float | None = None) -> None:
    """Send the task once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(publish_now, task, args, countdown=countdown))
