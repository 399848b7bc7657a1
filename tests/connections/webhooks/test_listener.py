"""The worker's listener turns stored deliveries' notifications into tasks; nothing missed is lost.

Transactional: PostgreSQL delivers a notification only once the row has committed.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from connections.models import WebhookDelivery
from connections.webhooks.listener import DeliveryListener
from connections.webhooks.processing import webhook_deliveries_sweep, webhook_delivery_process
from tests.connections.webhooks.helpers import event_fields, post_event
from tests.factories import WebhookDeliveryFactory
from tests.plugins.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
Status = WebhookDelivery.Status


class Publisher:
    """Records what the listener publishes; ``up=False`` is a broker that refuses."""

    def __init__(self):
        self.published: list[int] = []
        self.up = True

    def __call__(self, delivery_id: int) -> bool:
        if not self.up:
            return False
        self.published.append(delivery_id)
        return True


@contextmanager
def listening(publisher: Publisher) -> Iterator[DeliveryListener]:
    listener = DeliveryListener(publish=publisher, retry_seconds=0.1)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        listener.stop()
        thread.join(timeout=30)


def test_a_stored_delivery_is_enqueued_by_the_listener_not_by_the_request(
    client, business, subscription, handler, sent_tasks
):
    publisher = Publisher()
    with listening(publisher) as listener:
        wait_until(listener.leading.is_set, message="the listener to listen")
        response = post_event(client, business, event_fields(business))
        delivery = WebhookDelivery.objects.get()
        wait_until(lambda: publisher.published, message="the listener to enqueue")

    assert response.status_code == 200
    assert sent_tasks == []
    assert publisher.published == [delivery.pk]


def test_on_start_the_listener_enqueues_what_was_stored_while_none_listened(business):
    now = timezone.now()
    waiting = WebhookDeliveryFactory(business=business, status=Status.PENDING, next_attempt_at=now)
    WebhookDeliveryFactory(
        business=business, status=Status.PENDING, next_attempt_at=now + timedelta(minutes=5)
    )
    WebhookDeliveryFactory(business=business, status=Status.DONE, next_attempt_at=now)

    publisher = Publisher()
    with listening(publisher):
        wait_until(lambda: publisher.published, message="the listener to catch up")

    assert publisher.published == [waiting.pk]


def test_one_listener_acts_at_a_time_and_another_takes_over_when_it_stops(
    client, business, subscription, handler
):
    first, second = Publisher(), Publisher()
    with listening(first) as leader:
        wait_until(leader.leading.is_set, message="the first listener to lead")
        with listening(second) as standby:
            post_event(client, business, event_fields(business, object_id=1))
            wait_until(lambda: first.published, message="the leader to enqueue")
            assert not standby.leading.is_set()
        assert second.published == []

        with listening(second) as standby:
            leader.stop()
            wait_until(standby.leading.is_set, timeout=30, message="the standby to take over")
            post_event(client, business, event_fields(business, object_id=2))
            wait_until(lambda: len(second.published) >= 1, message="the new leader to enqueue")

    first_id, second_id = WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    assert first.published == [first_id]
    assert second_id in second.published


def test_a_missed_notification_is_processed_by_the_sweeper_within_its_interval(
    client, business, subscription, handler, sent_tasks, settings
):
    publisher = Publisher()
    publisher.up = False  # the broker refuses what the listener publishes
    with listening(publisher) as listener:
        wait_until(listener.leading.is_set, message="the listener to listen")
        response = post_event(client, business, event_fields(business, object_id=4242))
    delivery = WebhookDelivery.objects.get()
    assert response.status_code == 200
    assert delivery.status == Status.PENDING
    assert sent_tasks == []

    # Beat's next sweep after the grace it leaves to queued tasks.
    due = settings.WEBHOOK_SWEEP_GRACE_SECONDS + settings.WEBHOOK_SWEEP_INTERVAL_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=due), tick=False):
        sweep = webhook_deliveries_sweep()
    assert sweep.enqueued == 1
    assert sent_tasks == [("process_delivery", delivery.pk, None)]

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE
    assert handler.calls == [(business.pk, "time_entry", 4242)]
