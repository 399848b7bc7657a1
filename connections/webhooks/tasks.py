"""Thin Celery tasks for webhooks; every name starts with ``webhooks.`` so they run on that queue.

Each task takes an id and calls a service. Retries of processing are the service's business (the
delivery row keeps the attempt count and the next attempt time); registration tasks retry transient
FreshBooks failures here.
"""

from __future__ import annotations

from celery import shared_task, signals

from connections.freshbooks import RateLimited, ServerError, TransportError
from connections.webhooks import listener, processing, subscriptions, sweeper

TRANSIENT = (RateLimited, ServerError, TransportError, subscriptions.SubscriptionSyncBusy)
REGISTRATION_RETRY = {"max_retries": 5}


@shared_task(name="webhooks.process_delivery")
def process_delivery(delivery_id: int) -> str:
    return processing.webhook_delivery_process(delivery_id=delivery_id)


@shared_task(
    name="webhooks.sync_subscriptions",
    autoretry_for=TRANSIENT,
    retry_backoff=10,
    retry_kwargs=REGISTRATION_RETRY,
)
def sync_subscriptions(business_pk: int) -> dict:
    report = subscriptions.webhook_subscriptions_sync(business_pk=business_pk)
    return report.__dict__


@shared_task(
    name="webhooks.confirm_subscription",
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_kwargs=REGISTRATION_RETRY,
)
def confirm_subscription(subscription_pk: int) -> bool:
    return subscriptions.webhook_subscription_confirm(subscription_pk=subscription_pk)


@shared_task(
    name="webhooks.resend_verification",
    autoretry_for=TRANSIENT,
    retry_backoff=10,
    retry_kwargs=REGISTRATION_RETRY,
)
def resend_verification(subscription_pk: int) -> bool:
    return subscriptions.webhook_subscription_resend(subscription_pk=subscription_pk)


@shared_task(name="webhooks.sweep")
def sweep() -> None:
    """Beat, every minute."""
    sweeper.webhooks_sweep()


@shared_task(name="webhooks.prune_deliveries")
def prune_deliveries() -> int:
    """Beat, hourly."""
    return processing.webhook_deliveries_prune()


# -- the listener that turns stored deliveries' notifications into process_delivery tasks --------


@signals.worker_ready.connect
def start_delivery_listener(sender=None, **kwargs) -> None:
    """In a worker that consumes the webhooks queue (its main process), once it is ready."""
    queues = getattr(getattr(getattr(sender, "app", None), "amqp", None), "queues", None)
    consumed = queues.consume_from if queues is not None else None
    if consumed and "webhooks" in consumed:
        listener.delivery_listener_start()


@signals.worker_shutdown.connect
def stop_delivery_listener(**kwargs) -> None:
    listener.delivery_listener_stop()
