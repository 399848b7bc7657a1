"""Receiving a FreshBooks delivery: check it, store it, answer at once; processing comes later.

Every request for a known business leaves a row: valid deliveries as ``pending`` (or ``ignored``
when the app has no use for them), refused ones as ``rejected`` with the reason, so operators can
see what FreshBooks (or anyone else) sent. Refused and unmatched rows are capped per business per
hour, so a flood cannot fill the database.
"""

from __future__ import annotations

from django.utils import timezone

from connections.models import (
    ConnectedBusiness,
    WebhookSubscription,
)
from connections.webhooks import registry
from connections.webhooks.deliveries import (
    EVENT_NAME,
    FORM_CONTENT_TYPE,
    VERIFY_EVENT,
    WEBHOOK_TOKEN,
    IncomingDelivery,
    IngestResult,
    Signature,
    Status,
    business_and_signing_for_token,
    delivery_reject,
    delivery_row,
    delivery_values,
    positive_int,
)
from connections.webhooks.group_commit import delivery_store_grouped
from connections.webhooks.signatures import (
    MalformedDelivery,
    form_fields_parse,
    signature_matches,
)
from connections.webhooks.signing_keys import (
    SigningKey,
    signing_keys_for,
    signing_keys_forget,
)
from connections.webhooks.verification import verification_receive
from connections.webhooks.wakeup import delivery_wake

UNKNOWN = IngestResult(404, "unknown webhook")


def webhook_delivery_receive(*, token: str, incoming: IncomingDelivery) -> IngestResult:
    """Interpret one POST to ``/webhooks/freshbooks/<token>/``; never raises for bad input."""
    if not WEBHOOK_TOKEN.fullmatch(token):
        return UNKNOWN
    stored = _signed_event_store(token=token, incoming=incoming)
    if stored is not None:
        return stored
    found = business_and_signing_for_token(token)
    if found is None:
        return UNKNOWN
    business, signing = found
    return webhook_delivery_receive_for(business=business, incoming=incoming, signing=signing)


def webhook_delivery_receive_for(
    *,
    business: ConnectedBusiness,
    incoming: IncomingDelivery,
    signing: list[WebhookSubscription] | None = None,
) -> IngestResult:
    """``signing``: the business's verified subscriptions when the caller read them already."""
    if incoming.too_large:
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=413,
            reason="the body is too large",
        )
    if incoming.content_type != FORM_CONTENT_TYPE:
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=415,
            reason=f"expected {FORM_CONTENT_TYPE}",
        )
    try:
        fields = form_fields_parse(incoming.body)
    except MalformedDelivery as error:
        return delivery_reject(
            business=business, incoming=incoming, status_code=400, reason=error.reason
        )
    if not fields.get("name"):
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=400,
            reason="the delivery has no event name",
            fields=fields,
        )
    if fields["name"] == VERIFY_EVENT:
        return verification_receive(business=business, incoming=incoming, fields=fields)
    return _event_receive(business=business, incoming=incoming, fields=fields, signing=signing)


# -- event deliveries -------------------------------------------------------------------------


def _signing_subscription(
    *,
    business: ConnectedBusiness,
    name: str,
    signature: str,
    fields: dict[str, str],
    signing: list[WebhookSubscription] | None,
) -> tuple[WebhookSubscription | None, str]:
    """The subscription whose verifier signed the delivery, and the signature state.

    The event's noun picks the subscription; an event the app never subscribed to is checked
    against every verified subscription of the business, so it can be stored and ignored.
    """
    if signing is None:
        signing = list(business.webhook_subscriptions.filter(verified=True))
    verified = [subscription for subscription in signing if subscription.verifier]
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
    if positive_int(fields.get("object_id")) is None:
        return "object_id is missing or not a positive integer"
    account_id = fields.get("account_id")
    if account_id and account_id != business.account_id:
        return f"account_id {account_id[:64]} is not this business's account"
    business_id = fields.get("business_id")
    if business_id and positive_int(business_id) != business.business_id:
        return f"business_id {business_id[:20]} is not this business"
    noun = name.split(".", 1)[0]
    if registry.handler_for(noun) is None:
        return f"the app does not process {noun} events"
    if not registry.takes(name):
        return f"the app does not process {name} events"
    return ""


def _event_receive(
    *,
    business: ConnectedBusiness,
    incoming: IncomingDelivery,
    fields: dict[str, str],
    signing: list[WebhookSubscription] | None,
) -> IngestResult:
    if not incoming.signature:
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=401,
            reason="missing signature",
            signature=Signature.MISSING,
            fields=fields,
        )
    subscription, signature = _signing_subscription(
        business=business,
        name=fields["name"],
        signature=incoming.signature,
        fields=fields,
        signing=signing,
    )
    if subscription is None:
        reason = "bad signature" if signature == Signature.INVALID else "no verified subscription"
        return delivery_reject(
            business=business,
            incoming=incoming,
            status_code=401,
            reason=reason,
            signature=signature,
            fields=fields,
        )
    ignore_reason = _ignore_reason(business=business, fields=fields)
    row = delivery_row(
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
    # One INSERT in autocommit (the view runs outside a transaction), committed before the 200;
    # the worker is woken by a notification once it has committed (wakeup).
    row.save()
    if not ignore_reason:
        delivery_wake(row.pk)
    return IngestResult(200, "ignored" if ignore_reason else "ok", row.pk)


# -- the fast path: a key this process holds, one statement -------------------------------------


def _matching_key(keys: tuple[SigningKey, ...], *, name: str, fields, signature: str):
    """The key that signed the delivery, tried as ``_signing_subscription`` tries them."""
    noun = name.split(".", 1)[0]
    candidates = [key for key in keys if key.event in (name, noun)] or keys
    for key in candidates:
        if signature_matches(verifier=key.verifier, fields=fields, signature=signature):
            return key
    return None


def _signed_event_store(*, token: str, incoming: IncomingDelivery) -> IngestResult | None:
    """Store a well-formed, validly signed event delivery in one statement, or return None to let
    the full path (a fresh read, every refusal and its record) judge it."""
    if incoming.too_large or incoming.content_type != FORM_CONTENT_TYPE:
        return None
    signature = incoming.signature
    if not signature:
        return None
    try:
        fields = form_fields_parse(incoming.body)
    except MalformedDelivery:
        return None
    name = fields.get("name")
    if not name or name == VERIFY_EVENT:
        return None
    keys, cached = signing_keys_for(token)
    if keys is None:
        return UNKNOWN
    key = _matching_key(keys.keys, name=name, fields=fields, signature=signature)
    if key is None:
        if cached:  # perhaps a key this process has not seen yet: the full path reads afresh
            signing_keys_forget(token)
        return None
    ignore_reason = _ignore_reason(business=keys.business, fields=fields)
    # The row's values, as ``_event_receive`` would save them, without building the model.
    values = delivery_values(
        incoming=incoming,
        fields=fields,
        business_id=keys.business_pk,
        subscription_id=key.subscription_pk,
        raw_body=incoming.body.decode("utf-8"),
        signature=Signature.VALID,
        status=Status.IGNORED if ignore_reason else Status.PENDING,
        last_error=ignore_reason,
        processed_at=timezone.now() if ignore_reason else None,
        next_attempt_at=incoming.received_at,
    )
    stored = delivery_store_grouped(values=values, key=key, token=token, wake=not ignore_reason)
    if stored is None:
        signing_keys_forget(token)  # the key changed since it was read: judge on a fresh read
        return None
    return IngestResult(200, "ignored" if ignore_reason else "ok", stored)
