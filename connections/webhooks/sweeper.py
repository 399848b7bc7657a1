"""FreshBooks webhooks, the public entry points (the work lives in ``webhook_*`` modules).

- subscribe: ``webhook_subscriptions_request`` (any process: after connect, or to re-register);
  tasks ``webhook_subscriptions_sync``, ``webhook_subscription_confirm``,
  ``webhook_subscription_resend``; ``webhook_subscriptions_forget`` after disconnect;
- ingest: ``webhook_delivery_receive`` (the endpoint);
- process: ``webhook_delivery_process`` (task), dispatching through
  ``connections.webhooks.registry``;
- nothing lost: ``webhooks_sweep`` (beat), ``webhook_deliveries_release``,
  ``webhook_deliveries_prune`` (beat);
- replay: ``webhook_deliveries_replay`` (admin action, ``manage.py replay_webhooks``).
"""

from __future__ import annotations

from dataclasses import dataclass

from connections.services.webhook_ingest import (
    IncomingDelivery,
    IngestResult,
    webhook_delivery_receive,
)
from connections.services.webhook_processing import (
    DeliverySweep,
    webhook_deliveries_prune,
    webhook_deliveries_release,
    webhook_deliveries_replay,
    webhook_deliveries_sweep,
    webhook_delivery_process,
)
from connections.services.webhook_signatures import (
    MalformedDelivery,
    form_fields_parse,
    signature_compute,
    signature_matches,
)
from connections.services.webhook_subscriptions import (
    WEBHOOK_EVENTS,
    SubscriptionSweep,
    SubscriptionSync,
    SubscriptionSyncBusy,
    webhook_subscription_confirm,
    webhook_subscription_resend,
    webhook_subscriptions_forget,
    webhook_subscriptions_request,
    webhook_subscriptions_sweep,
    webhook_subscriptions_sync,
)

__all__ = [
    "WEBHOOK_EVENTS",
    "DeliverySweep",
    "IncomingDelivery",
    "IngestResult",
    "MalformedDelivery",
    "SubscriptionSweep",
    "SubscriptionSync",
    "SubscriptionSyncBusy",
    "WebhooksSweep",
    "form_fields_parse",
    "signature_compute",
    "signature_matches",
    "webhook_deliveries_prune",
    "webhook_deliveries_release",
    "webhook_deliveries_replay",
    "webhook_deliveries_sweep",
    "webhook_delivery_process",
    "webhook_delivery_receive",
    "webhook_subscription_confirm",
    "webhook_subscription_resend",
    "webhook_subscriptions_forget",
    "webhook_subscriptions_request",
    "webhook_subscriptions_sweep",
    "webhook_subscriptions_sync",
    "webhooks_sweep",
]


@dataclass(frozen=True)
class WebhooksSweep:
    deliveries: DeliverySweep
    subscriptions: SubscriptionSweep


def webhooks_sweep() -> WebhooksSweep:
    """Beat: everything a lost task, a broker outage or a reconnect left waiting."""
    return WebhooksSweep(
        deliveries=webhook_deliveries_sweep(), subscriptions=webhook_subscriptions_sweep()
    )
