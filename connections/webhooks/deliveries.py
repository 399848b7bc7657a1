"""A received delivery as the endpoint sees it, and the row every request for a known business
leaves: valid ones pending (or ignored), refused ones rejected with the reason. Unsigned rows are
capped per business per hour, so anyone who knows a webhook URL cannot fill the database.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from connections.models import (
    ACTIVE_BUSINESSES,
    ConnectedBusiness,
    WebhookDelivery,
    WebhookSubscription,
)
from integration_app.untrusted_text import storable_json, storable_text

logger = logging.getLogger(__name__)

VERIFY_EVENT = "callback.verify"
SIGNATURE_HEADER = "x-freshbooks-hmac-sha256"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EVENT_NAME = re.compile(r"[A-Za-z_]{1,50}(\.[A-Za-z_]{1,49})?")
# Tokens are ``secrets.token_urlsafe`` (connections.models.businesses); anything else is unknown
# without a query (a NUL in the path would otherwise reach PostgreSQL and fail there).
WEBHOOK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
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


def business_and_signing_for_token(
    token: str,
) -> tuple[ConnectedBusiness, list[WebhookSubscription]] | None:
    """The business the token names and its verified subscriptions (the signing keys), read in
    one query: the endpoint's only read, since every delivery needs both."""
    if not WEBHOOK_TOKEN.fullmatch(token):
        return None
    rows = list(
        ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, webhook_token=token)
        .annotate(
            signing=FilteredRelation(
                "webhook_subscriptions", condition=Q(webhook_subscriptions__verified=True)
            ),
            signing_pk=F("signing__pk"),
            signing_event=F("signing__event"),
            signing_verifier=F("signing__verifier"),
        )
        .order_by("pk", "signing_pk")
    )
    if not rows:
        return None
    business = rows[0]
    signing = [
        WebhookSubscription(
            pk=row.signing_pk,
            business=business,
            event=row.signing_event,
            verifier=row.signing_verifier,
            verified=True,
        )
        for row in rows
        if row.pk == business.pk and row.signing_pk is not None
    ]
    return business, signing


def stored_headers(headers: dict[str, str]) -> dict[str, str]:
    kept = {}
    for name, value in headers.items():
        if name.lower() in UNSTORED_HEADERS:
            continue
        kept[storable_text(name)] = storable_text(value[:STORED_HEADER_CHARS])
        if len(kept) >= MAX_STORED_HEADERS:
            break
    return kept


@functools.lru_cache(maxsize=1024)  # deliveries come from a few addresses, over and over
def ip_or_none(remote_ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(remote_ip or ""))
    except ValueError:
        return None


def positive_int(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    number = int(value)
    return number or None


def delivery_values(
    *, incoming: IncomingDelivery, fields: dict[str, str], **columns
) -> dict[str, Any]:
    """The row's values by attribute name, but for its business: what was sent, made storable
    (anyone can post, so text loses NUL, which PostgreSQL refuses), then ``columns``."""
    name = storable_text(fields.get("name", "")[:100])
    return {
        "name": name,
        "noun": name.split(".", 1)[0][:100],
        "object_id": positive_int(fields.get("object_id")),
        "account_id": storable_text(fields.get("account_id", "")[:64]),
        "freshbooks_business_id": positive_int(fields.get("business_id")),
        "identity_id": positive_int(fields.get("identity_id") or fields.get("user_id")),
        "headers": stored_headers(incoming.headers),
        "remote_ip": ip_or_none(incoming.remote_ip),
        "received_at": incoming.received_at,
        **{column: storable_json(value) for column, value in columns.items()},
    }


def delivery_row(
    *, business: ConnectedBusiness, incoming: IncomingDelivery, fields: dict[str, str], **columns
) -> WebhookDelivery:
    """The row for a delivery (``delivery_values``), not saved."""
    return WebhookDelivery(
        business=business, **delivery_values(incoming=incoming, fields=fields, **columns)
    )


def unchecked_share_left(business_id: int) -> int:
    """How many more unsigned deliveries (refused, unmatched or verifications) the business's
    hourly share still takes: anyone who knows the webhook URL can post those."""
    since = timezone.now() - timedelta(hours=1)
    recent = (
        WebhookDelivery.objects.filter(business_id=business_id, received_at__gte=since)
        .exclude(signature=Signature.VALID)
        .count()
    )
    return unchecked_per_hour() - recent


def record_unchecked(row: WebhookDelivery) -> None:
    """Store a refused or unmatched delivery unless its business used up this hour's share."""
    limit = unchecked_per_hour()
    recent = limit - unchecked_share_left(row.business_id)
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


def delivery_reject(
    *,
    business: ConnectedBusiness,
    incoming: IncomingDelivery,
    status_code: int,
    reason: str,
    signature: str = Signature.NOT_CHECKED,
    fields: dict[str, str] | None = None,
) -> IngestResult:
    row = delivery_row(
        business=business,
        incoming=incoming,
        fields=fields or {},
        raw_body=incoming.body[:STORED_REJECTED_BODY_CHARS].decode("utf-8", "backslashreplace"),
        signature=signature,
        status=Status.REJECTED,
        last_error=reason,
        processed_at=timezone.now(),
    )
    record_unchecked(row)
    return IngestResult(status_code, reason, row.pk)
