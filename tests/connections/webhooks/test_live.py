"""Against the running sandbox, a real worker and the live server: subscribe, verify, deliver."""

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.db import transaction

from connections.models import WebhookDelivery, WebhookSubscription
from connections.services.freshbooks_api import api_client_for
from connections.webhooks.lifecycle import subscribe_connected_business
from connections.webhooks.processing import webhook_deliveries_sweep
from connections.webhooks.subscriptions import webhook_events
from invoicing.models import SyncRun, TimeEntry
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import VERIFIER, event_fields
from tests.connections.webhooks.live import CLOSED_BROKER_URL, broker, wait_until_settled
from tests.factories import WebhookSubscriptionFactory
from tests.plugins.freshbooks import connect_sandbox_business
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Status = WebhookDelivery.Status
SMALL_SEED = {"users": 1, "businesses": 1, "clients": 2, "projects_per_client": 1, "services": 2}


def verified_subscription(business) -> WebhookSubscription:
    """A time_entry subscription whose verifier the test knows, so it can sign deliveries."""
    return WebhookSubscriptionFactory(
        business=business,
        event="time_entry",
        uri=f"http://unused.example/webhooks/freshbooks/{business.webhook_token}/",
        callback_id=1,
        verified=True,
        verifier=VERIFIER,
    )


def post_signed(live_server, business, fields) -> int:
    response = requests.post(
        f"{live_server.url}/webhooks/freshbooks/{business.webhook_token}/",
        data=fields,
        headers={"X-FreshBooks-Hmac-SHA256": sign(VERIFIER, fields)},
        timeout=30,
    )
    return response.status_code


def mirror_matches_sandbox(sandbox, business) -> None:
    remote = {entry["id"]: entry for entry in sandbox.control.time_entries(business.business_id)}
    active_remote = {entry_id for entry_id, entry in remote.items() if entry["active"]}
    mirror = {row.freshbooks_id: row for row in TimeEntry.objects.filter(business=business)}
    assert {entry_id for entry_id, row in mirror.items() if row.active} == active_remote
    for entry_id in active_remote:
        if not remote[entry_id]["is_logged"]:
            continue  # a running timer's duration grows while the test compares
        assert mirror[entry_id].duration_seconds == remote[entry_id]["duration"]
        assert mirror[entry_id].note == remote[entry_id]["note"]


def test_a_time_entry_created_in_freshbooks_reaches_the_mirror_through_the_webhook_alone(
    live_webhooks, live_server
):
    sandbox = live_webhooks
    connected = connect_sandbox_business(sandbox, time_entries=0, **SMALL_SEED)
    business = connected.business

    with transaction.atomic():  # as connecting a business does
        subscribe_connected_business(business.pk)

    wait_until(
        lambda: (
            WebhookSubscription.objects.filter(business=business, verified=True).count()
            == len(webhook_events())
        ),
        timeout=60,
        message="every callback to be created and verified",
    )
    with api_client_for(connected.identity) as client:
        remote = list(client.iter_callbacks(business.account_id))
    assert sorted(callback["event"] for callback in remote) == sorted(webhook_events())
    assert all(callback["verified"] for callback in remote)
    assert {callback["uri"] for callback in remote} == {
        f"{live_server.url}/webhooks/freshbooks/{business.webhook_token}/"
    }

    entry = sandbox.control.create_time_entry(
        business.business_id,
        started_at="2026-03-02T15:00:00Z",
        duration=5400,
        note="Wireframes for the new onboarding",
    )

    mirrored = wait_until(
        lambda: TimeEntry.objects.filter(business=business, freshbooks_id=entry["id"]).first(),
        timeout=60,
        message="the new time entry to reach the mirror",
    )
    assert (mirrored.duration_seconds, mirrored.note) == (5400, "Wireframes for the new onboarding")
    # The mirror row commits before the worker marks its delivery done: wait for that too.
    delivery = wait_until(
        lambda: WebhookDelivery.objects.filter(
            name="time_entry.create", object_id=entry["id"], status=Status.DONE
        ).first(),
        timeout=60,
        message="the delivery to be marked done",
    )
    assert delivery.signature == WebhookDelivery.Signature.VALID
    assert not SyncRun.objects.filter(business=business).exists()  # no sync brought it


def test_a_storm_of_duplicated_shuffled_deliveries_leaves_the_mirror_equal_to_freshbooks(
    live_webhooks, live_server
):
    sandbox = live_webhooks
    connected = connect_sandbox_business(sandbox, time_entries=1400, **SMALL_SEED)
    business = connected.business
    verified_subscription(business)
    entries = sandbox.control.time_entries(business.business_id)
    chooser = random.Random(20260302)
    for entry in chooser.sample(entries, 100):
        sandbox.control.update_time_entry(
            business.business_id, entry["id"], duration=entry["duration"] + 60, note="revised"
        )
    deleted = chooser.sample(entries, 100)
    for entry in deleted:
        sandbox.control.delete_time_entry(business.business_id, entry["id"])
    deleted_ids = {entry["id"] for entry in deleted}
    unique = [
        event_fields(
            business,
            name="time_entry.delete" if entry["id"] in deleted_ids else "time_entry.update",
            object_id=entry["id"],
        )
        for entry in entries
    ]
    deliveries = unique + [chooser.choice(unique) for _ in range(2000 - len(unique))]
    chooser.shuffle(deliveries)
    assert 0.28 <= 1 - len(unique) / len(deliveries) <= 0.32

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda fields: post_signed(live_server, business, fields), deliveries)
        )

    assert set(answers) == {200}
    wait_until_settled(timeout=300)
    statuses = set(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses <= {Status.DONE, Status.COALESCED}
    assert WebhookDelivery.objects.count() == len(deliveries)
    mirror_matches_sandbox(sandbox, business)


def test_deliveries_whose_wake_up_nobody_heard_are_processed_by_the_sweeper(
    live_webhooks, live_server
):
    """A missed notification (no listener, a broker down when the listener publishes) leaves the
    row pending; the sweeper enqueues it, here run by hand as beat runs it every interval."""
    sandbox = live_webhooks
    connected = connect_sandbox_business(sandbox, time_entries=30, **SMALL_SEED)
    business = connected.business
    verified_subscription(business)
    entries = sandbox.control.time_entries(business.business_id)

    # The endpoint notifies the channel of another broker namespace, where no worker listens, and
    # could not publish a task there either.
    with broker(url=CLOSED_BROKER_URL, prefix="test-nobody-listens:"):
        answers = [
            post_signed(live_server, business, event_fields(business, object_id=entry["id"]))
            for entry in entries
        ]

    assert set(answers) == {200}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert not TimeEntry.objects.filter(business=business).exists()

    webhook_deliveries_sweep(grace=timedelta(0))  # what beat runs once the broker is back

    wait_until_settled(timeout=120)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.DONE}
    mirror_matches_sandbox(sandbox, business)
