"""Receiving a FreshBooks delivery: check it, store it, answer at once; processing comes later.

Every request for a known business leaves a row: valid deliveries as ``pending`` (or ``ignored``
when the app has no use for them), refused ones as ``rejected`` with the reason, so operators can
see what FreshBooks (or anyone else) sent. Refused and unmatched rows are capped per business per
hour, so a flood cannot fill the database.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.models import (
    ACTIVE_BUSINESSES,
    ConnectedBusiness,
    WebhookDelivery,
    WebhookSubscription,
)
from connections.webhooks import registry
from connections.webhooks.signatures import (
    MalformedDelivery,
    form_fields_parse,
    signature_matches,
)
from integration_app.enqueue import (
    CONFIRM_WEBHOOK_SUBSCRIPTION,
    PROCESS_WEBHOOK_DELIVERY,
    enqueue_on_commit,
)
from integration_app.redis import get_redis

logger = logging.getLogger(__name__)

VERIFY_EVENT = "callback.verify"
SIGNATURE_HEADER = "x-freshbooks-hmac-sha256"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EVENT_NAME = re.compile(r"[A-Za-z_]{1,50}(\.[A-Za-z_]{1,49})?")
MAX_TOKEN_LENGTH = 64
MAX_VERIFIER_LENGTH = 200
STORED_REJECTED_BODY_CHARS = 2000
STORED_HEADER_CHARS = 1000
MAX_STORED_HEADERS = 40
UNSTORED_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization"})
Signature = WebhookDelivery.Signature
Status = WebhookDelivery.Status


def unchecked_per_hour() -> int:
    """How many refused or unmatched deliveries one business may leave per hour."""
    return settings.WEBHOOK_UNCHECKED_PER_HOUR


@dataclass(frozen=True)
class IncomingDelivery:
    """What the endpoint read from the request, before any interpretation."""

    body: bytes
    content_type: str
    headers: dict[str, str]
    remote_ip: str | None
    # The body was larger than the endpoint's cap; ``body`` then holds only what was read.
    too_large: bool = False
    received_at: datetime = field(default_factory=timezone.now)

    @property
    def signature(self) -> str:
        for name, value in self.headers.items():
            if name.lower() == SIGNATURE_HEADER:
                return value
        return ""


@dataclass(frozen=True)
class IngestResult:
    status_code: int
    reason: str
    delivery_id: int | None = None


def business_for_token(token: str) -> ConnectedBusiness | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, webhook_token=token).first()


def stored_headers(headers: dict[str, str]) -> dict[str, str]:
    kept = {}
    for name, value in headers.items():
        if name.lower() in UNSTORED_HEADERS:
            continue
        kept[name] = value[:STORED_HEADER_CHARS]
        if len(kept) >= MAX_STORED_HEADERS:
            break
    return kept


def _ip_or_none(remote_ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(remote_ip or ""))
    except ValueError:
        return None


def _positive_int(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    number = int(value)
    return number or None


def _row(
    *, business: ConnectedBusiness, incoming: IncomingDelivery, fields: dict[str, str], **columns
) -> WebhookDelivery:
    name = fields.get("name", "")[:100]
    return WebhookDelivery(
        business=business,
        name=name,
        noun=name.split(".", 1)[0][:100],
        object_id=_positive_int(fields.get("object_id")),
        account_id=fields.get("account_id", "")[:64],
        freshbooks_business_id=_positive_int(fields.get("business_id")),
        identity_id=_positive_int(fields.get("identity_id") or fields.get("user_id")),
        headers=stored_headers(incoming.headers),
        remote_ip=_ip_or_none(incoming.remote_ip),
        received_at=incoming.received_at,
        **columns,
    )


def _unchecked_share_left(business_id: int) -> int:
    """How many more unsigned deliveries (refused, unmatched or verifications) the business's
    hourly share still takes: anyone who knows the webhook URL can post those."""
    since = timezone.now() - timedelta(hours=1)
    recent = (
        WebhookDelivery.objects.filter(business_id=business_id, received_at__gte=since)
        .exclude(signature=Signature.VALID)
        .count()
    )
    return unchecked_per_hour() - recent


def _record_unchecked(row: WebhookDelivery) -> None:
    """Store a refused or unmatched delivery unless its business used up this hour's share."""
    limit = unchecked_per_hour()
    recent = limit - _unchecked_share_left(row.business_id)
    if recent >= limit:
        logger.debug("webhook for business %s not recorded: hourly cap reached", row.business_id)
        return
    if recent == limit - 1:
        logger.warning(
            "business %s reached %s refused webhook deliveries this hour; further ones are "
            "answered but not recorded",
            row.business_id,
            limit,
        )
    row.raw_body = row.raw_body[:STORED_REJECTED_BODY_CHARS]
    row.save()


def _reject(
    *,
    business: ConnectedBusiness,
    incoming: IncomingDelivery,
    status_code: int,
    reason: str,
    signature: str = Signature.NOT_CHECKED,
    fields: dict[str, str] | None = None,
) -> IngestResult:
    row = _row(
        business=business,
        incoming=incoming,
        fields=fields or {},
        raw_body=incoming.body[:STORED_REJECTED_BODY_CHARS].decode("utf-8", "backslashreplace"),
        signature=signature,
        status=Status.REJECTED,
        last_error=reason,
        processed_at=timezone.now(),
    )
    _record_unchecked(row)
    return IngestResult(status_code, reason, row.pk)


def webhook_delivery_receive(*, token: str, incoming: IncomingDelivery) -> IngestResult:
    """Interpret one POST to ``/webhooks/freshbooks/<token>/``; never raises for bad input."""
    business = business_for_token(token)
    if business is None:
        return IngestResult(404, "unknown webhook")
    return webhook_delivery_receive_for(business=business, incoming=incoming)


def webhook_delivery_receive_for(
    *, business: ConnectedBusiness, incoming: IncomingDelivery
) -> IngestResult:
    if incoming.too_large:
        return _reject(
            business=business,
            incoming=incoming,
            status_code=413,
            reason="the body is too large",
        )
    if incoming.content_type != FORM_CONTENT_TYPE:
        return _reject(
            business=business,
            incoming=incoming,
            status_code=415,
            reason=f"expected {FORM_CONTENT_TYPE}",
        )
    try:
        fields = form_fields_parse(incoming.body)
    except MalformedDelivery as error:
        return _reject(business=business, incoming=incoming, status_code=400, reason=error.reason)
    if not fields.get("name"):
        return _reject(
            business=business,
            incoming=incoming,
            status_code=400,
            reason="the delivery has no event name",
            fields=fields,
        )
    if fields["name"] == VERIFY_EVENT:
        return _verification_receive(business=business, incoming=incoming, fields=fields)
    return _event_receive(business=business, incoming=incoming, fields=fields)


# -- event deliveries -------------------------------------------------------------------------


def _signing_subscription(
    *, business: ConnectedBusiness, name: str, signature: str, fields: dict[str, str]
) -> tuple[WebhookSubscription | None, str]:
    """The subscription whose verifier signed the delivery, and the signature state.

    The event's noun picks the subscription; an event the app never subscribed to is checked
    against every verified subscription of the business, so it can be stored and ignored.
    """
    verified = [
        subscription
        for subscription in business.webhook_subscriptions.filter(verified=True)
        if subscription.verifier
    ]
    if not verified:
        return None, Signature.NO_KEY
    noun = name.split(".", 1)[0]
    candidates = [s for s in verified if s.event in (name, noun)] or verified
    for subscription in candidates:
        if signature_matches(verifier=subscription.verifier, fields=fields, signature=signature):
            return subscription, Signature.VALID
    return None, Signature.INVALID


def _ignore_reason(*, business: ConnectedBusiness, fields: dict[str, str]) -> str:
    name = fields["name"]
    if len(name) > 100 or not EVENT_NAME.fullmatch(name):
        return "unrecognised event name"
    if _positive_int(fields.get("object_id")) is None:
        return "object_id is missing or not a positive integer"
    account_id = fields.get("account_id")
    if account_id and account_id != business.account_id:
        return f"account_id {account_id[:64]} is not this business's account"
    business_id = fields.get("business_id")
    if business_id and _positive_int(business_id) != business.business_id:
        return f"business_id {business_id[:20]} is not this business"
    noun = name.split(".", 1)[0]
    if registry.handler_for(noun) is None:
        return f"the app does not process {noun} events"
    if not registry.takes(name):
        return f"the app does not process {name} events"
    return ""


def _event_receive(
    *, business: ConnectedBusiness, incoming: IncomingDelivery, fields: dict[str, str]
) -> IngestResult:
    if not incoming.signature:
        return _reject(
            business=business,
            incoming=incoming,
            status_code=401,
            reason="missing signature",
            signature=Signature.MISSING,
            fields=fields,
        )
    subscription, signature = _signing_subscription(
        business=business, name=fields["name"], signature=incoming.signature, fields=fields
    )
    if subscription is None:
        reason = "bad signature" if signature == Signature.INVALID else "no verified subscription"
        return _reject(
            business=business,
            incoming=incoming,
            status_code=401,
            reason=reason,
            signature=signature,
            fields=fields,
        )
    ignore_reason = _ignore_reason(business=business, fields=fields)
    row = _row(
        business=business,
        incoming=incoming,
        fields=fields,
        subscription=subscription,
        raw_body=incoming.body.decode("utf-8"),
        signature=Signature.VALID,
        status=Status.IGNORED if ignore_reason else Status.PENDING,
        last_error=ignore_reason,
        processed_at=timezone.now() if ignore_reason else None,
        next_attempt_at=incoming.received_at,
    )
    with transaction.atomic():
        row.save()
        if not ignore_reason:
            enqueue_on_commit(PROCESS_WEBHOOK_DELIVERY, row.pk)
    return IngestResult(200, "ignored" if ignore_reason else "ok", row.pk)


# -- the verification handshake ----------------------------------------------------------------


def _redacted_body(fields: dict[str, str]) -> str:
    """The verification body as stored: the verifier is a secret and is kept encrypted instead."""
    return urlencode(
        [(key, "[redacted]" if key == "verifier" else value) for key, value in fields.items()]
    )


def _verification_receive(
    *, business: ConnectedBusiness, incoming: IncomingDelivery, fields: dict[str, str]
) -> IngestResult:
    callback_id = _positive_int(fields.get("object_id"))
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
        return _reject(
            business=business,
            incoming=incoming,
            status_code=400,
            reason=reason,
            signature=Signature.NOT_SIGNED,
            fields={key: value for key, value in fields.items() if key != "verifier"},
        )
    if _unchecked_share_left(business.pk) <= 0:
        # Unsigned, so capped like every unchecked delivery; FreshBooks' own verification is
        # asked for again by the sweeper (webhook_subscriptions_sweep) if this one was it.
        return IngestResult(429, "too many unsigned deliveries this hour")
    row = _row(
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
            _record_unchecked(row)
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
