"""Webhooks' part in a business's life cycle: subscribe on connect, forget on disconnect.

Registered with `connections.services.business_hooks` in `ConnectionsConfig.ready()`, so every
process (web and worker) runs them.
"""

from __future__ import annotations

from connections.models import ConnectedBusiness
from connections.webhooks.processing import webhook_deliveries_release
from connections.webhooks.subscriptions import (
    webhook_subscriptions_forget,
    webhook_subscriptions_request,
)


def subscribe_connected_business(business_pk: int) -> None:
    """Runs inside the connecting transaction: rows now, FreshBooks calls after commit."""
    business = ConnectedBusiness.objects.select_related("connection").get(pk=business_pk)
    webhook_subscriptions_request(business=business)
    webhook_deliveries_release(business=business)


def forget_removed_callbacks(business_pk: int) -> None:
    webhook_subscriptions_forget(business_pk=business_pk)
