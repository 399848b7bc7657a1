"""Building FreshBooks deliveries the way FreshBooks (and the sandbox) sends them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse

from connections.models import ConnectedBusiness
from sandbox.webhooks import sign

FORM = "application/x-www-form-urlencoded"
VERIFIER = "vrf-8c2d1e5f9a7b3c4d6e0f1a2b"


def event_fields(
    business: ConnectedBusiness, *, name: str = "time_entry.create", object_id: int | str = 4242
) -> list[tuple[str, str]]:
    """The fields in the order FreshBooks posts them (reference §8.3)."""
    return [
        ("name", name),
        ("object_id", str(object_id)),
        ("account_id", business.account_id),
        ("business_id", str(business.business_id)),
        ("identity_id", "77"),
        ("user_id", "77"),
    ]


def webhook_url(business: ConnectedBusiness) -> str:
    return reverse("webhooks:freshbooks", args=[business.webhook_token])


def post_event(
    client,
    business: ConnectedBusiness,
    fields: list[tuple[str, str]],
    *,
    verifier: str | None = VERIFIER,
    signature: str | None = None,
    **extra,
):
    """POST a delivery signed with ``verifier`` (or the given ``signature``; None: unsigned)."""
    headers = {}
    if signature is None and verifier is not None:
        signature = sign(verifier, fields)
    if signature is not None:
        headers["HTTP_X_FRESHBOOKS_HMAC_SHA256"] = signature
    return client.post(
        webhook_url(business), data=urlencode(fields), content_type=FORM, **headers, **extra
    )


def prepared_statements_like(text: str) -> list[tuple[str, int]]:
    """This session's prepared statements containing ``text``, with how often each ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{text}%"],
        )
        return cursor.fetchall()
