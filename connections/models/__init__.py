"""Every model of the connections app, imported explicitly so Django registers them."""

from connections.models.businesses import (
    ACTIVE_BUSINESSES,
    ConnectedBusiness,
    Connection,
    new_webhook_token,
)
from connections.models.identities import FreshBooksIdentity
from connections.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "ACTIVE_BUSINESSES",
    "ConnectedBusiness",
    "Connection",
    "FreshBooksIdentity",
    "WebhookDelivery",
    "WebhookSubscription",
    "new_webhook_token",
]
