"""Personal API tokens: create (shown once), authenticate, revoke. Never logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_PREFIX = "fbb_"  # noqa: S105 (the public marker of a token, not a secret)
# `last_used_at` is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """The new row and the token itself, which is never stored and cannot be shown again."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, key_hash=_hash(token)
    )
    return row, token


def api_token_user(token: str) -> User | None:
    """The active user a token belongs to, or None (unknown, malformed or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    prefix, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    row = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # Compared even when no row matched, so timing does not tell a known prefix from an unknown.
    expected = row.key_hash if row is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(token)) or row is None:
        return None
    if row.revoked_at is not None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def api_token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke the user's token (another user's id: ApiToken.DoesNotExist). Idempotent."""
    row = ApiToken.objects.get(pk=token_id, user=user)
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def api_tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
