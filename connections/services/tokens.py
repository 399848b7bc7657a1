"""Access tokens that survive many workers refreshing at once.

FreshBooks refresh tokens work once and only one is alive per FreshBooks user per app. So a refresh
happens under a row lock on the identity, re-reads the row after taking the lock (another worker may
have refreshed already), and persists the new pair in the same transaction before anyone uses it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.freshbooks.errors import FreshBooksError, InvalidGrant
from connections.freshbooks.oauth import TokenSet
from connections.models import FreshBooksIdentity
from connections.services.freshbooks_api import oauth_client
from connections.services.notices import identity_reauth_notify

logger = logging.getLogger(__name__)


class ReauthorizationRequired(Exception):
    """The identity's FreshBooks access is gone until its user reconnects."""

    def __init__(self, identity_id: int):
        super().__init__(f"FreshBooks identity {identity_id} must be reconnected")
        self.identity_id = identity_id


def _refresh_margin() -> timedelta:
    return timedelta(seconds=settings.FRESHBOOKS_REFRESH_MARGIN_SECONDS)


def _needs_refresh(identity: FreshBooksIdentity, *, now: datetime) -> bool:
    expires_at = identity.access_token_expires_at
    return not identity.access_token or expires_at is None or expires_at - now <= _refresh_margin()


def identity_tokens_store(*, identity: FreshBooksIdentity, token_set: TokenSet) -> None:
    """Keep a freshly issued pair on a locked identity row and mark the identity healthy."""
    identity.access_token = token_set.access_token
    identity.refresh_token = token_set.refresh_token
    identity.access_token_expires_at = token_set.expires_at
    identity.scope = token_set.scope
    identity.state = FreshBooksIdentity.State.ACTIVE
    identity.last_refreshed_at = timezone.now()
    identity.last_error = ""
    identity.last_error_at = None
    identity.consecutive_failures = 0
    identity.save()


def identity_error_record(*, identity_id: int, message: str) -> None:
    """Remember the latest failure on the identity for the dashboard and admin."""
    FreshBooksIdentity.objects.filter(pk=identity_id).update(
        last_error=message[:2000], last_error_at=timezone.now()
    )


def identity_access_token(*, identity_id: int) -> tuple[str, datetime | None]:
    """A usable access token and its expiry, refreshing first when it is close to expiry.

    The expiry is the one stored on the identity row, which may be None (the column is nullable);
    a caller caching the token treats None as "ask again next time".
    """
    identity = FreshBooksIdentity.objects.only(
        "access_token", "access_token_expires_at", "state"
    ).get(pk=identity_id)
    if identity.state != FreshBooksIdentity.State.ACTIVE:
        raise ReauthorizationRequired(identity_id)
    if not _needs_refresh(identity, now=timezone.now()):
        return identity.access_token, identity.access_token_expires_at
    return identity_token_refresh(identity_id=identity_id, stale_access_token=identity.access_token)


def identity_token_refresh(
    *, identity_id: int, stale_access_token: str | None = None, force: bool = False
) -> tuple[str, datetime | None]:
    """Rotate the pair unless another worker already did; returns (access token, expiry).

    A pair another worker stored is returned as the row holds it, so its expiry may be None.

    ``stale_access_token`` is the token the caller found wanting: if the row holds a different one
    after the lock, someone refreshed in the meantime and that token is used. ``force`` refreshes
    even a token that looks fresh (FreshBooks answered 401 to it).
    """
    with transaction.atomic():
        identity = FreshBooksIdentity.objects.select_for_update().get(pk=identity_id)
        if identity.state != FreshBooksIdentity.State.ACTIVE:
            raise ReauthorizationRequired(identity_id)
        already_rotated = (
            stale_access_token is not None and identity.access_token != stale_access_token
        )
        if already_rotated or not (force or _needs_refresh(identity, now=timezone.now())):
            return identity.access_token, identity.access_token_expires_at
        spent_refresh_token = identity.refresh_token
        failure: FreshBooksError
        try:
            token_set = oauth_client().refresh(spent_refresh_token)
        except InvalidGrant as error:
            _invalid_grant_settle(identity=identity, spent_refresh_token=spent_refresh_token)
            if identity.state == FreshBooksIdentity.State.ACTIVE:
                return identity.access_token, identity.access_token_expires_at
            failure = error
        except FreshBooksError as error:
            identity.consecutive_failures += 1
            identity.last_error = f"Token refresh failed: {error}"[:2000]
            identity.last_error_at = timezone.now()
            identity.save(update_fields=["consecutive_failures", "last_error", "last_error_at"])
            failure = error
        else:
            identity_tokens_store(identity=identity, token_set=token_set)
            logger.info("refreshed FreshBooks tokens of identity %s", identity.identity_id)
            return identity.access_token, identity.access_token_expires_at
    # Outside the atomic block, so the recorded state commits before the caller sees the error.
    if isinstance(failure, InvalidGrant):
        raise ReauthorizationRequired(identity_id) from failure
    raise failure


def _invalid_grant_settle(*, identity: FreshBooksIdentity, spent_refresh_token: str) -> None:
    """Re-read before declaring the connection dead: a reconnect may have stored a new pair."""
    identity.refresh_from_db()
    if identity.refresh_token != spent_refresh_token:
        return
    logger.warning("FreshBooks refused the refresh token of identity %s", identity.identity_id)
    identity.state = FreshBooksIdentity.State.REAUTH_REQUIRED
    identity.consecutive_failures += 1
    identity.last_error = (
        "FreshBooks no longer accepts this connection's refresh token (it was revoked or "
        "replaced elsewhere). Reconnect FreshBooks to continue."
    )
    identity.last_error_at = timezone.now()
    identity.save()
    identity_reauth_notify(identity=identity)


def identities_refresh_expiring() -> int:
    """Refresh idle identities whose access token expires within the margin (beat)."""
    horizon = timezone.now() + _refresh_margin()
    identity_ids = list(
        FreshBooksIdentity.objects.filter(
            state=FreshBooksIdentity.State.ACTIVE,
            access_token_expires_at__lte=horizon,
            connections__disconnected_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    refreshed = 0
    for identity_id in identity_ids:
        try:
            identity_token_refresh(identity_id=identity_id)
            refreshed += 1
        except (ReauthorizationRequired, FreshBooksError) as error:
            logger.warning("could not refresh identity %s: %s", identity_id, error)
    return refreshed
