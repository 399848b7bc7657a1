"""Processing stored deliveries: claim under a lock, coalesce duplicates, dispatch, retry, replay.

Deliveries are hints: the handler re-fetches the object, so any number of pending deliveries for
the same (business, noun, object id) are satisfied by one fetch made after they arrived. Fetches of
one object never overlap either, so an older read can never overwrite a newer one in the mirror.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connections.freshbooks import (
    FreshBooksError,
    MalformedResponse,
    PermissionDenied,
    RateLimited,
    ValidationError,
)
from connections.models import ConnectedBusiness, FreshBooksIdentity, WebhookDelivery
from connections.services.tokens import ReauthorizationRequired
from connections.webhooks import registry
from integration_app.enqueue import (
    PROCESS_WEBHOOK_DELIVERY,
    enqueue_on_commit,
)

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# A task for a row whose retry is not yet due (an early duplicate) waits instead of running.
EARLY_TOLERANCE = timedelta(seconds=1)
# Another worker is fetching the same object: look again shortly.
BUSY_OBJECT_DELAY_SECONDS = 3.0
# Failures FreshBooks will repeat however often it is asked.
PERMANENT_ERRORS = (ValidationError, PermissionDenied, MalformedResponse)
ERROR_CHARS = 4000


def max_attempts() -> int:
    return settings.WEBHOOK_MAX_ATTEMPTS


def retry_delay_seconds(attempt: int) -> float:
    """Backoff after failed attempt ``attempt`` (1-based): base, 3x base, 9x base... capped."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 3 ** (attempt - 1), 3600.0)


def processing_timeout() -> timedelta:
    """After this long a ``processing`` row is presumed abandoned by a dead worker."""
    return timedelta(seconds=settings.WEBHOOK_PROCESSING_TIMEOUT_SECONDS)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Mark the delivery processing and coalesce its pending duplicates, or return None.

    The whole (business, noun, object id) group is locked in primary-key order, so two workers
    claiming duplicates of each other serialise instead of deadlocking.
    """
    key = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values("business_id", "noun", "object_id")
        .first()
    )
    if key is None or key["object_id"] is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        group = list(
            WebhookDelivery.objects.select_for_update()
            .filter(**key, status__in=[Status.PENDING, Status.PROCESSING])
            .order_by("pk")
        )
        delivery = next((row for row in group if row.pk == delivery_id), None)
        if delivery is None or delivery.status != Status.PENDING:
            return None
        if delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return None
        abandoned_before = now - processing_timeout()
        if any(
            row.status == Status.PROCESSING and row.claimed_at and row.claimed_at > abandoned_before
            for row in group
        ):
            delivery.next_attempt_at = now + timedelta(seconds=BUSY_OBJECT_DELAY_SECONDS)
            delivery.save(update_fields=["next_attempt_at"])
            enqueue_on_commit(
                PROCESS_WEBHOOK_DELIVERY, delivery.pk, countdown=BUSY_OBJECT_DELAY_SECONDS
            )
            return None
        delivery.status = Status.PROCESSING
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["status", "attempts", "claimed_at"])
        duplicates = [row.pk for row in group if row.status == Status.PENDING and row != delivery]
        if duplicates:
            WebhookDelivery.objects.filter(pk__in=duplicates).update(
                status=Status.COALESCED,
                coalesced_into=delivery,
                processed_at=now,
                last_error="",
            )
    return delivery


def _finish(delivery: WebhookDelivery, status: str, *, outcome: str = "", error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PROCESSING).update(
        status=status,
        outcome=outcome[:32],
        last_error=error[:ERROR_CHARS],
        processed_at=timezone.now(),
    )
    delivery.status = status


def _hold(delivery: WebhookDelivery) -> None:
    """Wait for a reconnect; the attempt does not count against the delivery."""
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PROCESSING).update(
        status=Status.ON_HOLD,
        attempts=F("attempts") - 1,
        last_error="FreshBooks access must be reconnected before this delivery can be processed",
    )
    delivery.status = Status.ON_HOLD


def _retry_or_fail(delivery: WebhookDelivery, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:ERROR_CHARS]
    if isinstance(error, PERMANENT_ERRORS) or delivery.attempts >= max_attempts():
        _finish(delivery, Status.FAILED, error=message)
        logger.warning("webhook delivery %s failed for good: %s", delivery.pk, message)
        return
    delay = retry_delay_seconds(delivery.attempts)
    if isinstance(error, RateLimited):
        delay = max(delay, error.retry_after)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PROCESSING).update(
            status=Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=message,
        )
        enqueue_on_commit(PROCESS_WEBHOOK_DELIVERY, delivery.pk, countdown=delay)
    delivery.status = Status.PENDING


def webhook_delivery_process(*, delivery_id: int) -> str:
    """Process one delivery if it is due and nobody else is on it; returns its resulting status."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    object_id = delivery.object_id
    if object_id is None:  # _claim returns None for a delivery without an object id
        raise ValueError(f"claimed webhook delivery {delivery.pk} has no object id")
    business = ConnectedBusiness.objects.select_related("connection__identity").get(
        pk=delivery.business_id
    )
    if not business.active or business.connection.disconnected_at is not None:
        _finish(delivery, Status.IGNORED, error="the business is no longer connected")
        return delivery.status
    if business.connection.identity.state != FreshBooksIdentity.State.ACTIVE:
        _hold(delivery)
        return delivery.status
    handler = registry.handler_for(delivery.noun)
    if handler is None:
        _finish(delivery, Status.IGNORED, error=f"the app does not process {delivery.noun} events")
        return delivery.status
    try:
        outcome = handler(business=business, noun=delivery.noun, object_id=object_id)
    except ReauthorizationRequired:
        _hold(delivery)
    except (FreshBooksError, registry.RetryLater) as error:
        _retry_or_fail(delivery, error)
    except Exception as error:  # a bug in a handler must not leave the row "processing"
        logger.exception("webhook handler for %s raised", delivery.noun)
        _retry_or_fail(delivery, error)
    else:
        _finish(delivery, Status.DONE, outcome=str(outcome))
    return delivery.status


# -- nothing lost: the sweeper and held deliveries ---------------------------------------------


@dataclass(frozen=True)
class DeliverySweep:
    reclaimed: int
    released: int
    enqueued: int


def webhook_deliveries_release(*, business: ConnectedBusiness | None = None) -> int:
    """Send held deliveries of businesses whose FreshBooks access works again."""
    held = WebhookDelivery.objects.filter(
        status=Status.ON_HOLD,
        business__active=True,
        business__connection__disconnected_at__isnull=True,
        business__connection__identity__state=FreshBooksIdentity.State.ACTIVE,
    )
    if business is not None:
        held = held.filter(business=business)
    with transaction.atomic():
        delivery_ids = list(held.select_for_update(of=("self",)).values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=delivery_ids).update(
            status=Status.PENDING, next_attempt_at=timezone.now(), last_error=""
        )
        for delivery_id in delivery_ids:
            enqueue_on_commit(PROCESS_WEBHOOK_DELIVERY, delivery_id)
    return len(delivery_ids)


def webhook_deliveries_sweep(
    *, grace: timedelta | None = None, batch_size: int = 2000
) -> DeliverySweep:
    """Beat: re-enqueue what a lost task or a broker outage left behind.

    ``grace`` leaves recently due rows to the tasks already queued for them (default from
    ``WEBHOOK_SWEEP_GRACE_SECONDS``); a duplicate task is harmless but wasted.
    """
    if grace is None:
        grace = timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    now = timezone.now()
    reclaimed = WebhookDelivery.objects.filter(
        status=Status.PROCESSING, claimed_at__lt=now - processing_timeout()
    ).update(status=Status.PENDING, next_attempt_at=now)
    released = webhook_deliveries_release()
    due_ids = list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    with transaction.atomic():
        for delivery_id in due_ids:
            enqueue_on_commit(PROCESS_WEBHOOK_DELIVERY, delivery_id)
    if reclaimed or due_ids:
        logger.info("webhook sweep: %s reclaimed, %s re-enqueued", reclaimed, len(due_ids))
    return DeliverySweep(reclaimed=reclaimed, released=released, enqueued=len(due_ids))


def webhook_deliveries_prune(*, batch_size: int = 5000) -> int:
    """Beat: forget old settled deliveries and stale unmatched verifiers; failed ones stay."""
    now = timezone.now()
    kept_days = settings.WEBHOOK_RETENTION_DAYS
    rejected_days = settings.WEBHOOK_REJECTED_RETENTION_DAYS
    WebhookDelivery.objects.filter(received_at__lt=now - timedelta(hours=1)).exclude(
        verifier=""
    ).update(verifier="")
    deleted = 0
    for statuses, days in (
        ([Status.DONE, Status.COALESCED, Status.IGNORED], kept_days),
        ([Status.REJECTED], rejected_days),
    ):
        old_ids = list(
            WebhookDelivery.objects.filter(
                status__in=statuses, received_at__lt=now - timedelta(days=days)
            ).values_list("pk", flat=True)[:batch_size]
        )
        deleted += WebhookDelivery.objects.filter(pk__in=old_ids).delete()[0]
    return deleted


# -- replay ------------------------------------------------------------------------------------


def webhook_deliveries_replay(
    *, delivery_ids: Iterable[int] | None = None, business: ConnectedBusiness | None = None
) -> int:
    """Process failed deliveries again from a fresh attempt count; others are left alone.

    ``delivery_ids=None`` replays every failed delivery (of ``business`` when given).
    """
    failed = WebhookDelivery.objects.filter(status=Status.FAILED)
    if delivery_ids is not None:
        failed = failed.filter(pk__in=list(delivery_ids))
    if business is not None:
        failed = failed.filter(business=business)
    with transaction.atomic():
        replay_ids = list(failed.select_for_update().values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=replay_ids).update(
            status=Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            processed_at=None,
            outcome="",
        )
        for delivery_id in replay_ids:
            enqueue_on_commit(PROCESS_WEBHOOK_DELIVERY, delivery_id)
    logger.info("replaying %s failed webhook deliveries", len(replay_ids))
    return len(replay_ids)
