"""This app's FreshBooks callbacks: register, verify, resend verification, forget.

Rows are written first, in the process that asks (so the callback URI is built from that process's
``PUBLIC_BASE_URL``); a task then makes FreshBooks match them. The verification POST can arrive
before the new callback id is saved, so saving the id and receiving a verification both lock the
business row, and a verification that came first is picked up when the id is saved.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, NotFound, ValidationError
from connections.models import (
    ACTIVE_BUSINESSES,
    ConnectedBusiness,
    FreshBooksIdentity,
    WebhookDelivery,
    WebhookSubscription,
)
from connections.services.businesses import business_webhook_url, callback_id_of
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from connections.webhooks.deliveries import VERIFY_EVENT
from connections.webhooks.verification import verifier_offer
from integration_app.enqueue import (
    CONFIRM_WEBHOOK_SUBSCRIPTION,
    RESEND_WEBHOOK_VERIFICATION,
    SYNC_WEBHOOK_SUBSCRIPTIONS,
    enqueue_on_commit,
)
from integration_app.redis import get_redis

logger = logging.getLogger(__name__)

SYNC_LOCK_SECONDS = 120
# An unmatched verification POST older than this is not claimed by a newly saved callback id.
EARLY_VERIFICATION_WINDOW = timedelta(minutes=10)
ERROR_CHARS = 2000


class SubscriptionSyncBusy(Exception):
    """Another worker is registering this business's callbacks right now."""


def webhook_events() -> tuple[str, ...]:
    """The nouns a business subscribes to; each takes every verb (FreshBooks: "parent event")."""
    return tuple(settings.FRESHBOOKS_WEBHOOK_EVENTS)


def _is_ours(callback: dict[str, Any], business: ConnectedBusiness) -> bool:
    """Any callback pointing at this business's token, whatever base URL it was registered with."""
    uri = str(callback.get("uri") or "")
    return uri.rstrip("/").endswith(f"/webhooks/freshbooks/{business.webhook_token}")


def _record_error(subscription_ids: list[int], message: str) -> None:
    WebhookSubscription.objects.filter(pk__in=subscription_ids).update(
        last_error=message[:ERROR_CHARS], last_error_at=timezone.now()
    )


# -- asking for subscriptions (any process) ------------------------------------------------------


def webhook_subscriptions_request(*, business: ConnectedBusiness) -> list[WebhookSubscription]:
    """Make sure the business has a row per event with today's URI, then register after commit.

    Safe to call again at any time ("re-register"): FreshBooks is made to match the rows.
    """
    uri = business_webhook_url(business)
    subscriptions = []
    with transaction.atomic():
        for event in webhook_events():
            subscription, _created = WebhookSubscription.objects.get_or_create(
                business=business, event=event, defaults={"uri": uri}
            )
            if subscription.uri != uri:
                subscription.uri = uri
                subscription.save(update_fields=["uri", "updated_at"])
            subscriptions.append(subscription)
        business.webhook_subscriptions.exclude(event__in=webhook_events()).delete()
        enqueue_on_commit(SYNC_WEBHOOK_SUBSCRIPTIONS, business.pk)
    return subscriptions


def webhook_subscriptions_forget(*, business_pk: int) -> int:
    """After FreshBooks' callbacks are deleted (disconnect), the local rows go too."""
    deleted, _ = WebhookSubscription.objects.filter(business_id=business_pk).delete()
    return deleted


# -- making FreshBooks match (worker) --------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionSync:
    created: int = 0
    kept: int = 0
    deleted: int = 0
    resent: int = 0


def _callback_save(*, subscription: WebhookSubscription, callback: dict[str, Any]) -> None:
    """Store a new callback id and apply a verification POST that may already have come."""
    callback_id = callback_id_of(callback)
    with transaction.atomic():
        ConnectedBusiness.objects.select_for_update().filter(pk=subscription.business_id).first()
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.callback_id = callback_id
        subscription.verified = False
        subscription.verifier = ""
        subscription.pending_verifier = ""
        subscription.verification_requested_at = timezone.now()
        subscription.verification_requests = 1
        subscription.last_error = ""
        subscription.save()
        early = (
            WebhookDelivery.objects.select_for_update()
            .filter(
                business_id=subscription.business_id,
                name=VERIFY_EVENT,
                object_id=callback_id,
                status=WebhookDelivery.Status.IGNORED,
                received_at__gte=timezone.now() - EARLY_VERIFICATION_WINDOW,
            )
            .exclude(verifier="")
            .order_by("-received_at")
            .first()
        )
        if early is not None:
            early.outcome = verifier_offer(subscription=subscription, verifier=early.verifier)
            early.verifier = ""
            early.status = WebhookDelivery.Status.DONE
            early.subscription = subscription
            early.last_error = ""
            early.save()


def _resend(client: FreshBooksClient, subscription: WebhookSubscription) -> None:
    """Only for a subscription holding a callback id: its callers found it by that id, adopted a
    listed callback (listed ones all have one), or queried for a non-null one."""
    if subscription.callback_id is None:
        raise ValueError(f"webhook subscription {subscription.pk} has no callback id to resend")
    client.resend_callback_verification(subscription.business.account_id, subscription.callback_id)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        verification_requested_at=timezone.now(),
        verification_requests=F("verification_requests") + 1,
    )


def _subscriptions_sync(
    client: FreshBooksClient, business: ConnectedBusiness, subscriptions: list[WebhookSubscription]
) -> SubscriptionSync:
    # By id. A callback listed without a readable id can be neither re-verified, adopted nor
    # deleted (its URL would need the id), so it is left alone.
    ours: dict[int, dict[str, Any]] = {}
    for callback in client.iter_callbacks(business.account_id):
        callback_id = callback_id_of(callback)
        if callback_id is not None and _is_ours(callback, business):
            ours[callback_id] = callback
    kept: set[int | None] = set()
    created = resent = 0
    for subscription in subscriptions:
        current = ours.get(subscription.callback_id) if subscription.callback_id else None
        if (
            current
            and current.get("uri") == subscription.uri
            and current.get("event")
            in (
                subscription.event,
                None,
            )
        ):
            kept.add(subscription.callback_id)
            settled = bool(current.get("verified")) and subscription.verified
            if not settled and not subscription.pending_verifier:
                _resend(client, subscription)
                resent += 1
            continue
        adoptable = next(
            (
                callback_id
                for callback_id, cb in ours.items()
                if cb.get("uri") == subscription.uri
                and cb.get("event") == subscription.event
                and callback_id not in kept
            ),
            None,
        )
        if adoptable is not None:  # created earlier by a task that died before saving the id
            _callback_save(subscription=subscription, callback=ours[adoptable])
            kept.add(adoptable)
            subscription.refresh_from_db()
            _resend(client, subscription)
            resent += 1
            continue
        callback = client.create_callback(
            business.account_id, event=subscription.event, uri=subscription.uri
        )
        _callback_save(subscription=subscription, callback=callback)
        kept.add(callback_id_of(callback))
        created += 1
    stale = [callback_id for callback_id in ours if callback_id not in kept]
    for callback_id in stale:
        with contextlib.suppress(NotFound):  # already gone is what we wanted
            client.delete_callback(business.account_id, callback_id)
    return SubscriptionSync(
        created=created, kept=len(kept) - created, deleted=len(stale), resent=resent
    )


def webhook_subscriptions_sync(*, business_pk: int) -> SubscriptionSync:
    """Create missing callbacks, re-verify unverified ones, delete stale ones of this business.

    Raises FreshBooks errors after recording them on the subscriptions (the task retries the
    transient ones) and ``SubscriptionSyncBusy`` when another worker holds the business. Lost
    FreshBooks access is recorded, not raised: the sweeper registers after the reconnect.
    """
    business = (
        ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, pk=business_pk)
        .select_related("connection__identity")
        .first()
    )
    if business is None:
        return SubscriptionSync()
    lock = get_redis().lock(
        f"{settings.REDIS_KEY_PREFIX}webhook-subscriptions:business:{business_pk}",
        SYNC_LOCK_SECONDS,
    )
    if not lock.acquire(blocking=False):
        raise SubscriptionSyncBusy(business_pk)
    try:
        subscriptions = list(business.webhook_subscriptions.select_related("business"))
        try:
            with api_client_for(business.connection.identity) as client:
                report = _subscriptions_sync(client, business, subscriptions)
        except ReauthorizationRequired as error:
            # The sweeper registers what is missing once the identity is reconnected.
            _record_error([s.pk for s in subscriptions], str(error))
            return SubscriptionSync()
        except Exception as error:
            _record_error([s.pk for s in subscriptions], f"Registering with FreshBooks: {error}")
            raise
    finally:
        lock.release()
    logger.info("webhook callbacks of business %s: %s", business_pk, report)
    return report


def webhook_subscription_confirm(*, subscription_pk: int) -> bool:
    """PUT the received verifier back to FreshBooks; only then does it sign deliveries."""
    subscription = (
        WebhookSubscription.objects.select_related("business__connection__identity")
        .filter(pk=subscription_pk)
        .first()
    )
    if subscription is None or not subscription.pending_verifier or not subscription.callback_id:
        return False
    offered = subscription.pending_verifier
    business = subscription.business
    try:
        with api_client_for(business.connection.identity) as client:
            client.verify_callback(business.account_id, subscription.callback_id, offered)
    except ReauthorizationRequired as error:
        _record_error([subscription_pk], str(error))  # the sweeper confirms after reconnect
        return False
    except (ValidationError, NotFound) as error:
        with transaction.atomic():
            subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_pk)
            if subscription.pending_verifier == offered:
                subscription.pending_verifier = ""
            subscription.last_error = f"FreshBooks refused the verifier: {error}"[:ERROR_CHARS]
            subscription.last_error_at = timezone.now()
            subscription.save()
        if isinstance(error, NotFound):
            _recreate(subscription)
        return False
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_pk)
        if subscription.pending_verifier != offered:
            return False  # a newer verifier arrived meanwhile; its own task confirms it
        subscription.verifier = offered
        subscription.pending_verifier = ""
        subscription.verified = True
        subscription.verified_at = timezone.now()
        subscription.last_error = ""
        subscription.save()
    logger.info("webhook subscription %s verified", subscription_pk)
    return True


def webhook_subscription_resend(*, subscription_pk: int) -> bool:
    """Ask FreshBooks to POST the verifier again (the first POST was lost or refused)."""
    subscription = (
        WebhookSubscription.objects.select_related("business__connection__identity")
        .filter(pk=subscription_pk, verified=False, callback_id__isnull=False)
        .first()
    )
    if subscription is None:
        return False
    try:
        with api_client_for(subscription.business.connection.identity) as client:
            _resend(client, subscription)
    except ReauthorizationRequired as error:
        _record_error([subscription_pk], str(error))
        return False
    except NotFound:
        _recreate(subscription)
        return False
    return True


def _recreate(subscription: WebhookSubscription) -> None:
    """The callback is gone at FreshBooks: register it again, with the URI the row holds."""
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            callback_id=None, verified=False, pending_verifier=""
        )
        enqueue_on_commit(SYNC_WEBHOOK_SUBSCRIPTIONS, subscription.business_id)


# -- the sweeper's share -------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionSweep:
    confirmed: int
    resent: int
    registered: int


def webhook_subscriptions_sweep() -> SubscriptionSweep:
    """Beat: finish verifications a lost task left, resend stale ones, register missing ones."""
    now = timezone.now()
    resend_after = timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS)
    max_requests = settings.WEBHOOK_MAX_VERIFICATION_REQUESTS
    usable = WebhookSubscription.objects.filter(
        business__active=True,
        business__connection__disconnected_at__isnull=True,
        business__connection__identity__state=FreshBooksIdentity.State.ACTIVE,
    )
    to_confirm = list(
        usable.exclude(pending_verifier="")
        .filter(updated_at__lt=now - timedelta(minutes=2))
        .values_list("pk", flat=True)
    )
    to_resend = list(
        usable.filter(
            verified=False,
            callback_id__isnull=False,
            pending_verifier="",
            verification_requested_at__lt=now - resend_after,
            verification_requests__lt=max_requests,
        ).values_list("pk", flat=True)
    )
    to_register = set(
        usable.filter(callback_id__isnull=True, updated_at__lt=now - timedelta(minutes=5))
        .values_list("business_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        for subscription_pk in to_confirm:
            enqueue_on_commit(CONFIRM_WEBHOOK_SUBSCRIPTION, subscription_pk)
        for subscription_pk in to_resend:
            enqueue_on_commit(RESEND_WEBHOOK_VERIFICATION, subscription_pk)
        for business_pk in to_register:
            enqueue_on_commit(SYNC_WEBHOOK_SUBSCRIPTIONS, business_pk)
    return SubscriptionSweep(
        confirmed=len(to_confirm), resent=len(to_resend), registered=len(to_register)
    )
