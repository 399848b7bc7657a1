"""Factories for the webhook models: a business's subscription to an event, a delivery received.

A subscription starts as the model does (not registered, not verified) and a delivery as a
pending, unchecked row; tests that need a verified key or a valid signature say so.
"""

from __future__ import annotations

import factory

from connections.models import WebhookDelivery, WebhookSubscription
from tests.factories.connections import ConnectedBusinessFactory


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    business = factory.SubFactory(ConnectedBusinessFactory)
    event = "time_entry"
    uri = factory.LazyAttribute(
        lambda subscription: (
            f"https://app.example.com/webhooks/freshbooks/{subscription.business.webhook_token}/"
        )
    )


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    business = factory.SubFactory(ConnectedBusinessFactory)
    name = "time_entry.update"
    noun = factory.LazyAttribute(lambda delivery: delivery.name.partition(".")[0])
    object_id = factory.Sequence(lambda n: 4000 + n)
