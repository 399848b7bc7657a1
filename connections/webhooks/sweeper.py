"""Beat: everything a lost task, a broker outage or a reconnect left waiting, in one sweep."""

from __future__ import annotations

from dataclasses import dataclass

from connections.webhooks.processing import DeliverySweep, webhook_deliveries_sweep
from connections.webhooks.subscriptions import SubscriptionSweep, webhook_subscriptions_sweep


@dataclass(frozen=True)
class WebhooksSweep:
    deliveries: DeliverySweep
    subscriptions: SubscriptionSweep


def webhooks_sweep() -> WebhooksSweep:
    return WebhooksSweep(
        deliveries=webhook_deliveries_sweep(), subscriptions=webhook_subscriptions_sweep()
    )
