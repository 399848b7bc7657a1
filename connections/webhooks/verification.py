"""FreshBooks' verification handshake: a ``callback.verify`` POST offers a verifier, which becomes
the signing key only once FreshBooks accepts it back (so a forged offer can never replace a key).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.models import (
    ConnectedBusiness,
    WebhookSubscription,
)
from connections.webhooks.deliveries import (
    MAX_VERIFIER_LENGTH,
    IncomingDelivery,
    IngestResult,
    Signature,
    Status,
    delivery_reject,
    delivery_row,
    positive_int,
    record_unchecked,
    unchecked_share_left,
)
from integration_app.enqueue import (
    CONFIRM_WEBHOOK_SUBSCRIPTION,
    enqueue_on_commit,
)
from integration_app.redis import get_redis

# -- the verification handshake ----------------------------------------------------------------


def _redacted_body(fields: dict[str, str]) -> str:
    """The verification body as stored: the verifier is a secret and is kept encrypted instead."""
    return urlencode(
        [(key, "[redacted]" if key == "verifier" else value) for key, value in fields.items()]
    )


def verification_receive(
    *, business: ConnectedBusiness, incoming: IncomingDelivery, fields: dict[str, str]
) -> IngestResult:
    callback_id = positive_int(fields.get("object_id"))
    verifier = fields.get("verifier", "")
    account_id = fields.get("account_id")
    reason = ""
    if callback_id is None:
        reason = "the verification has no callback id (object_id)"
    elif not verifier or len(verifier) > MAX_VERIFIER_LENGTH:
        reason = "the verification has no usable verifier"
    elif account_id and account_id != business.account_id:
        reason = "the verification is for another account"
    if reason:
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=400,
            reason=reason,
            signature=Signature.NOT_SIGNED,
            fields={key: value for key, value in fields.items() if key != "verifier"},
        )
    if unchecked_share_left(business.pk) <= 0:
        # Unsigned, so capped like every unchecked delivery; FreshBooks' own verification is
        # asked for again by the sweeper (webhook_subscriptions_sweep) if this one was it.
        return IngestResult(429, "too many unsigned deliveries this hour")
    row = delivery_row(
        business=business,
        incoming=incoming,
        fields=fields,
        raw_body=_redacted_body(fields),
        signature=Signature.NOT_SIGNED,
    )
    with transaction.atomic():
        # Serialises with saving a new callback id, so an early verification is never missed.
        ConnectedBusiness.objects.select_for_update().filter(pk=business.pk).first()
        subscription = (
            business.webhook_subscriptions.select_for_update()
            .filter(callback_id=callback_id)
            .first()
        )
        if subscription is None:
            row.status = Status.IGNORED
            row.verifier = verifier
            row.last_error = f"no subscription has callback id {callback_id} (yet)"
            row.processed_at = timezone.now()
            record_unchecked(row)
            return IngestResult(200, "ignored", row.pk)
        row.subscription = subscription
        row.status = Status.DONE
        row.processed_at = timezone.now()
        row.outcome = verifier_offer(subscription=subscription, verifier=verifier)
        row.save()
    return IngestResult(200, "ok", row.pk)


def verifier_offer(*, subscription: WebhookSubscription, verifier: str) -> str:
    """Keep a received verifier until FreshBooks confirms it; call with the row locked."""
    if subscription.verified and hmac.compare_digest(
        subscription.verifier.encode(), verifier.encode()
    ):
        return "already verified"
    subscription.pending_verifier = verifier
    subscription.save(update_fields=["pending_verifier", "updated_at"])
    countdown = _confirmation_countdown(subscription.pk)
    if countdown is not None:
        enqueue_on_commit(
            CONFIRM_WEBHOOK_SUBSCRIPTION, subscription.pk, countdown=countdown or None
        )
    return "verifier received"


def _confirmation_countdown(subscription_pk: int) -> float | None:
    """When to PUT the pending verifier back: at most once per subscription per interval.

    The first offer in an interval is confirmed at once; later ones share one confirmation at
    the interval's end, which PUTs whatever verifier is pending then (so FreshBooks' own, even
    after forged offers). None: that confirmation is already scheduled. Held in Redis, so the
    limit holds across every web process.
    """
    interval = settings.WEBHOOK_VERIFICATION_INTERVAL_SECONDS
    key = f"{settings.REDIS_KEY_PREFIX}webhooks:verification-put:{subscription_pk}"
    redis = get_redis()
    if redis.set(key, "1", nx=True, ex=interval):
        return 0.0
    if redis.set(f"{key}:next", "1", nx=True, ex=interval):
        return float(max(redis.ttl(key), 1))
    return None
