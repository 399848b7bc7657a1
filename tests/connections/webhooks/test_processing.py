"""Processing stored deliveries: claim, coalesce, dispatch through the registry, retry, replay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from connections.freshbooks import ServerError, ValidationError
from connections.models import FreshBooksIdentity, WebhookDelivery
from connections.services.tokens import ReauthorizationRequired
from connections.webhooks import registry
from connections.webhooks.processing import (
    webhook_deliveries_prune,
    webhook_deliveries_replay,
    webhook_deliveries_sweep,
    webhook_delivery_process,
)
from tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def deliver(business):
    def make(object_id=4242, *, noun="time_entry", status=Status.PENDING, **columns):
        return WebhookDeliveryFactory(
            business=business,
            name=f"{noun}.update",
            noun=noun,
            object_id=object_id,
            status=status,
            signature=WebhookDelivery.Signature.VALID,
            **columns,
        )

    return make


def test_a_pending_delivery_is_dispatched_by_noun_and_marked_done(business, deliver, handler):
    delivery = deliver(4242)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE

    assert handler.calls == [(business.pk, "time_entry", 4242)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.outcome, delivery.attempts) == (Status.DONE, "updated", 1)
    assert delivery.processed_at is not None


def test_a_delivery_already_done_is_not_processed_twice(deliver, handler):
    delivery = deliver(4242)
    webhook_delivery_process(delivery_id=delivery.pk)

    assert webhook_delivery_process(delivery_id=delivery.pk) == "skipped"

    assert len(handler.calls) == 1


def test_pending_duplicates_of_the_same_object_are_coalesced_into_one_fetch(deliver, handler):
    first, second, third = deliver(4242), deliver(4242), deliver(4242)
    other_object = deliver(5151)

    webhook_delivery_process(delivery_id=second.pk)
    for duplicate in (first, third):
        assert webhook_delivery_process(delivery_id=duplicate.pk) == "skipped"

    assert handler.calls == [(second.business_id, "time_entry", 4242)]
    statuses = {
        row.pk: (row.status, row.coalesced_into_id) for row in WebhookDelivery.objects.all()
    }
    assert statuses[first.pk] == (Status.COALESCED, second.pk)
    assert statuses[third.pk] == (Status.COALESCED, second.pk)
    assert statuses[other_object.pk] == (Status.PENDING, None)


def test_a_delivery_for_an_object_being_fetched_waits_for_its_own_fetch(
    deliver, handler, sent_tasks, django_capture_on_commit_callbacks
):
    deliver(4242, status=Status.PROCESSING, claimed_at=timezone.now())
    arrived_during_fetch = deliver(4242)

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_delivery_process(delivery_id=arrived_during_fetch.pk) == "skipped"

    arrived_during_fetch.refresh_from_db()
    assert arrived_during_fetch.status == Status.PENDING
    assert arrived_during_fetch.next_attempt_at > timezone.now()
    assert sent_tasks == [("process_delivery", arrived_during_fetch.pk, 3.0)]
    assert handler.calls == []


def test_a_failed_fetch_is_retried_with_growing_backoff_then_fails_with_its_error(
    deliver, handler, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    handler.error = ServerError("FreshBooks is down", status=503)
    delivery = deliver(4242)
    delays = []

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            status = webhook_delivery_process(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        if status == Status.PENDING:
            delays.append(sent_tasks[-1][2])
            assert delivery.next_attempt_at > timezone.now()
            delivery.next_attempt_at = timezone.now()
            delivery.save()

    assert delays == [10, 30]
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 3
    assert delivery.last_error == "ServerError: HTTP 503: FreshBooks is down"


def test_a_retry_is_not_run_before_it_is_due(deliver, handler):
    delivery = deliver(4242, next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert webhook_delivery_process(delivery_id=delivery.pk) == "skipped"
    assert handler.calls == []


def test_an_error_freshbooks_will_repeat_fails_at_once(deliver, handler):
    handler.error = ValidationError("Unknown field", status=422)
    delivery = deliver(4242)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_crashing_handler_is_recorded_not_left_processing(deliver, handler, sent_tasks):
    handler.error = KeyError("time_entry")
    delivery = deliver(4242)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_error == "KeyError: 'time_entry'"


def test_deliveries_wait_while_the_identity_needs_reconnecting_and_run_after(
    business, deliver, handler, sent_tasks, django_capture_on_commit_callbacks
):
    identity = business.connection.identity
    identity.state = FreshBooksIdentity.State.REAUTH_REQUIRED
    identity.save()
    delivery = deliver(4242)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.ON_HOLD
    assert handler.calls == []
    delivery.refresh_from_db()
    assert delivery.attempts == 0

    assert webhook_deliveries_sweep().released == 0  # still not reconnected
    identity.state = FreshBooksIdentity.State.ACTIVE
    identity.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_sweep().released == 1
    assert ("process_delivery", delivery.pk, None) in sent_tasks
    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE


def test_a_token_lost_during_the_fetch_puts_the_delivery_on_hold(deliver, handler):
    handler.error = ReauthorizationRequired(1)
    delivery = deliver(4242)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.ON_HOLD


def test_a_noun_without_handler_is_ignored(deliver, handler):
    delivery = deliver(7, noun="invoice")

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.IGNORED
    delivery.refresh_from_db()
    assert delivery.last_error == "the app does not process invoice events"


def test_the_registry_is_ready_for_an_invoice_handler(deliver, handler, monkeypatch):
    monkeypatch.setattr(registry, "_handlers", {})
    invoice_calls = []

    @registry.register("invoice")
    def invoice_refresh(*, business, noun, object_id):
        invoice_calls.append(object_id)
        return "deleted"

    delivery = deliver(31, noun="invoice")
    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE
    assert invoice_calls == [31]
    assert registry.registered_nouns() == {"invoice"}


def test_a_noun_cannot_be_claimed_by_two_different_handlers(monkeypatch):
    monkeypatch.setattr(registry, "_handlers", {})

    def first(**kwargs):
        return "updated"

    registry.register("client", first)
    registry.register("client", first)  # the same module imported twice
    with pytest.raises(registry.HandlerConflict):
        registry.register("client", lambda **kwargs: "updated")


def test_deliveries_of_a_disconnected_business_are_ignored(business, deliver, handler):
    delivery = deliver(4242)
    business.active = False
    business.save()

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.IGNORED
    assert handler.calls == []


def test_the_sweeper_requeues_left_pending_and_reclaims_abandoned_deliveries(
    deliver, sent_tasks, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=1)
    left_pending = deliver(1, next_attempt_at=long_ago)
    just_received = deliver(2)
    abandoned = deliver(3, status=Status.PROCESSING, claimed_at=long_ago)
    being_processed = deliver(4, status=Status.PROCESSING, claimed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        sweep = webhook_deliveries_sweep()

    assert (sweep.reclaimed, sweep.enqueued) == (1, 1)
    assert [task[1] for task in sent_tasks] == [left_pending.pk]
    abandoned.refresh_from_db()
    assert abandoned.status == Status.PENDING
    being_processed.refresh_from_db()
    assert being_processed.status == Status.PROCESSING
    just_received.refresh_from_db()
    assert just_received.status == Status.PENDING


def test_replay_sends_only_failed_deliveries_again_with_fresh_attempts(
    deliver, handler, sent_tasks, django_capture_on_commit_callbacks
):
    failed = deliver(1, status=Status.FAILED, attempts=5, last_error="HTTP 503")
    done = deliver(2, status=Status.DONE)

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_replay(delivery_ids=[failed.pk, done.pk]) == 1

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert sent_tasks == [("process_delivery", failed.pk, None)]
    assert webhook_delivery_process(delivery_id=failed.pk) == Status.DONE
    failed.refresh_from_db()
    assert failed.last_error == ""


def test_the_replay_command_replays_all_failed_deliveries(
    deliver, sent_tasks, django_capture_on_commit_callbacks
):
    first = deliver(1, status=Status.FAILED)
    second = deliver(2, status=Status.FAILED)
    deliver(3, status=Status.IGNORED)
    output = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("replay_webhooks", "--all", stdout=output)

    assert "Replaying 2 failed deliveries." in output.getvalue()
    assert sorted(task[1] for task in sent_tasks) == [first.pk, second.pk]


def test_the_replay_command_dry_run_changes_nothing(deliver, sent_tasks):
    failed = deliver(1, status=Status.FAILED)
    output = StringIO()

    call_command("replay_webhooks", "--id", str(failed.pk), "--dry-run", stdout=output)

    assert "1 failed deliveries would be replayed." in output.getvalue()
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_the_replay_command_needs_a_choice():
    with pytest.raises(CommandError):
        call_command("replay_webhooks")


def test_pruning_forgets_old_settled_deliveries_but_keeps_failed_ones(deliver):
    old = timezone.now() - timedelta(days=60)
    deliver(1, status=Status.DONE, received_at=old)
    deliver(2, status=Status.REJECTED, received_at=old)
    kept_failed = deliver(3, status=Status.FAILED, received_at=old)
    recent = deliver(4, status=Status.DONE)

    assert webhook_deliveries_prune() == 2

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {kept_failed.pk, recent.pk}
