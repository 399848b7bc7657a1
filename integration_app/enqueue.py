"""The one way the app enqueues Celery work: by task name, after commit, failing fast.

Services never import task modules (tasks import services, inside out, as HackSoft's styleguide
has it); they call ``enqueue_on_commit(SYNC_BUSINESS, run.pk)`` with a name from the table below.
That keeps services and tasks free of import cycles, and one place lists every task a service may
start.

Every queued unit of work has a database row with a status (the outbox), and beat sweepers
re-enqueue rows left pending. So a broker outage is logged and left to the sweepers instead of
turning a committed request into a 500, and publishing does not retry for seconds on a dead broker.
Beat-only tasks (sweepers, schedulers) are started by beat and are not in the table.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.db import transaction
from kombu import pools

logger = logging.getLogger(__name__)

# Every task a service enqueues; the test-suite checks each is registered with the worker.
SYNC_BUSINESS = "sync.business_sync"
ADVANCE_DRAFT = "invoicing.advance_draft"
PROCESS_WEBHOOK_DELIVERY = "webhooks.process_delivery"
SYNC_WEBHOOK_SUBSCRIPTIONS = "webhooks.sync_subscriptions"
CONFIRM_WEBHOOK_SUBSCRIPTION = "webhooks.confirm_subscription"
RESEND_WEBHOOK_VERIFICATION = "webhooks.resend_verification"
SEND_NOTIFICATION = "default.send_notification"
IMPORT_HOURS = "invoicing.import_hours"
TASK_NAMES = frozenset(
    {
        SYNC_BUSINESS,
        ADVANCE_DRAFT,
        PROCESS_WEBHOOK_DELIVERY,
        SYNC_WEBHOOK_SUBSCRIPTIONS,
        CONFIRM_WEBHOOK_SUBSCRIPTION,
        RESEND_WEBHOOK_VERIFICATION,
        SEND_NOTIFICATION,
        IMPORT_HOURS,
    }
)

FAIL_FAST_TRANSPORT_OPTIONS = {"max_retries": 0}
PRODUCER_WAIT_SECONDS = 2.0


def _fail_fast_producers() -> pools.ProducerPool:
    """A producer pool of its own (pools are keyed by connection settings), without retries."""
    connection = current_app.connection_for_write(transport_options=FAIL_FAST_TRANSPORT_OPTIONS)
    return pools.producers[connection]


def publish_now(task_name: str, args: tuple = (), *, countdown: float | None = None) -> bool:
    """Send the task at once; False (and a warning) when the broker is unreachable."""
    if task_name not in TASK_NAMES:
        raise ValueError(f"{task_name!r} is not a task services may enqueue")
    try:
        with _fail_fast_producers().acquire(block=True, timeout=PRODUCER_WAIT_SECONDS) as producer:
            # Routed by name prefix to its queue (CELERY_TASK_ROUTES), like any other send.
            current_app.send_task(
                task_name, args=args, countdown=countdown, producer=producer, retry=False
            )
    except Exception as error:  # any broker failure; the row stays pending for its sweeper
        logger.warning("could not enqueue %s%s, its sweeper will: %s", task_name, args, error)
        return False
    return True


def enqueue_on_commit(task_name: str, *args: object, countdown: float | None = None) -> None:
    """Send the task once the current transaction commits (at once outside a transaction)."""
    if task_name not in TASK_NAMES:
        raise ValueError(f"{task_name!r} is not a task services may enqueue")
    transaction.on_commit(partial(publish_now, task_name, args, countdown=countdown))
