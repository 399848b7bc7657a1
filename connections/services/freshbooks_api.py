"""FreshBooks clients built from settings, with identity tokens and a shared rate gate."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, OAuthClient, RedisRateGate
from connections.models import FreshBooksIdentity
from integration_app.redis import get_redis

USER_AGENT = "FreshBooks Billing/1.0"
DEFAULT_BACKOFF_CAP = 30.0  # seconds, the transport's own default


def oauth_client() -> OAuthClient:
    return OAuthClient(
        auth_base_url=settings.FRESHBOOKS_AUTH_BASE_URL,
        api_base_url=settings.FRESHBOOKS_API_BASE_URL,
        client_id=settings.FRESHBOOKS_CLIENT_ID,
        client_secret=settings.FRESHBOOKS_CLIENT_SECRET,
        redirect_uri=settings.FRESHBOOKS_REDIRECT_URI,
        user_agent=f"{USER_AGENT} client_id {settings.FRESHBOOKS_CLIENT_ID}",
    )


@functools.cache
def _rate_gate_for(
    redis_url: str, key_prefix: str, rate_per_second: float, burst: int
) -> RedisRateGate:
    return RedisRateGate(
        get_redis(),
        rate_per_second=rate_per_second,
        burst=burst,
        key_prefix=f"{key_prefix}fb:rate:",
    )


def rate_gate() -> RedisRateGate:
    return _rate_gate_for(
        settings.REDIS_URL,
        settings.REDIS_KEY_PREFIX,
        settings.FRESHBOOKS_RATE_PER_SECOND,
        settings.FRESHBOOKS_RATE_BURST,
    )


class IdentityTokenSource:
    """Hands the API client the identity's access token, refreshing it under a row lock.

    The token is cached in memory until it nears expiry, so a sync of many pages does not read the
    identity row before every call.
    """

    def __init__(self, identity_id: int):
        self.identity_id = identity_id
        self._token: str | None = None
        self._expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"IdentityTokenSource(identity_id={self.identity_id})"

    def access_token(self) -> str:
        from connections.services.tokens import identity_access_token

        margin = timedelta(seconds=settings.FRESHBOOKS_REFRESH_MARGIN_SECONDS)
        if self._token and self._expires_at and self._expires_at - timezone.now() > margin:
            return self._token
        self._token, self._expires_at = identity_access_token(identity_id=self.identity_id)
        return self._token

    def refresh_after_unauthorized(self, stale_token: str) -> str:
        from connections.services.tokens import identity_token_refresh

        self._token, self._expires_at = identity_token_refresh(
            identity_id=self.identity_id, stale_access_token=stale_token, force=True
        )
        return self._token


def api_client_for(
    identity: FreshBooksIdentity,
    *,
    timeout: tuple[float, float] | None = None,
    max_attempts: int | None = None,
    backoff_cap: float | None = None,
) -> FreshBooksClient:
    """A client for the identity; a web request that waits on FreshBooks passes shorter
    `timeout`, fewer `max_attempts` and a lower `backoff_cap` (which also caps Retry-After)."""
    return FreshBooksClient(
        api_base_url=settings.FRESHBOOKS_API_BASE_URL,
        token_source=IdentityTokenSource(identity.pk),
        user_agent=f"{USER_AGENT} client_id {settings.FRESHBOOKS_CLIENT_ID}",
        timeout=timeout or (settings.FRESHBOOKS_CONNECT_TIMEOUT, settings.FRESHBOOKS_READ_TIMEOUT),
        max_attempts=max_attempts or settings.FRESHBOOKS_MAX_ATTEMPTS,
        rate_gate=rate_gate(),
        rate_key=f"identity:{identity.identity_id}",
        backoff_cap=DEFAULT_BACKOFF_CAP if backoff_cap is None else backoff_cap,
    )
