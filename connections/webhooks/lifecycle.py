"""Webhooks' part in a business's life cycle: subscribe on connect, forget on disconnect.

Imported when the connections models load, so every process (web and worker) registers the hooks.
"""

from __future__ import annotations

from connections.services import business_hooks


@business_hooks.on_connect
def subscribe_connected_business(business_pk: int) -> None:
    """Runs inside the connecting transaction: rows now, FreshBooks calls after commit."""
    from connections.models import ConnectedBusiness
    from connections.services.webhooks import (
        webhook_deliveries_release,
        webhook_subscriptions_request,
    )

    business = ConnectedBusiness.objects.select_related("connection").get(pk=business_pk)
    webhook_subscriptions_request(business=business)
    webhook_deliveries_release(business=business)


@business_hooks.on_callbacks_removed
def forget_removed_callbacks(business_pk: int) -> None:
    from connections.services.webhooks import webhook_subscriptions_forget

    webhook_subscriptions_forget(business_pk=business_pk)
