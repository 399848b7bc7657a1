"""The OAuth 2.0 connect flow: a state bound to the session, one code exchange, one /me read."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from connections.freshbooks import FreshBooksClient, FreshBooksError, MalformedResponse, TokenSet
from connections.models import Connection, FreshBooksIdentity
from connections.services.businesses import identity_businesses_resume
from connections.services.freshbooks_api import USER_AGENT, oauth_client
from connections.services.tokens import identity_error_record, identity_tokens_store
from integration_app.untrusted_text import storable_text

logger = logging.getLogger(__name__)

SESSION_KEY = "freshbooks_oauth_states"
MAX_PENDING_STATES = 5
# States whose callback completed, with the connection each made: reloading the callback page
# (or pressing Back to it) then says "already connected" instead of an error.
USED_SESSION_KEY = "freshbooks_oauth_used_states"


class OAuthCallbackError(Exception):
    """The callback cannot complete; ``user_message`` says why in words for the page."""

    def __init__(self, user_message: str, *, status: int = 400):
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status


def oauth_start(*, session) -> str:
    """Remember a new single-use state in the session and return FreshBooks' authorize URL."""
    now = time.time()
    ttl = settings.FRESHBOOKS_OAUTH_STATE_TTL_SECONDS
    pending = {
        state: issued_at
        for state, issued_at in session.get(SESSION_KEY, {}).items()
        if now - issued_at < ttl
    }
    state = secrets.token_urlsafe(32)
    pending[state] = now
    # A few tabs may be mid-flow at once; more than that is abandoned clicks.
    newest = sorted(pending.items(), key=lambda item: item[1])[-MAX_PENDING_STATES:]
    session[SESSION_KEY] = dict(newest)
    return oauth_client().authorization_url(state=state, scopes=settings.FRESHBOOKS_SCOPES)


def oauth_state_consume(*, session, state: str | None) -> None:
    """Accept a state once: it must be one this session issued, within its lifetime."""
    if not state:
        raise OAuthCallbackError(
            "The reply from FreshBooks had no state parameter, so it cannot be trusted. "
            "Start again from “Connect FreshBooks”."
        )
    pending = dict(session.get(SESSION_KEY, {}))
    issued_at = pending.pop(state, None)
    session[SESSION_KEY] = pending
    if issued_at is None:
        raise OAuthCallbackError(
            "This FreshBooks reply does not match a connection you started in this browser, or it "
            "was already used. Start again from “Connect FreshBooks”."
        )
    if time.time() - issued_at >= settings.FRESHBOOKS_OAUTH_STATE_TTL_SECONDS:
        raise OAuthCallbackError(
            "The connection attempt expired (it must finish within 10 minutes). "
            "Start again from “Connect FreshBooks”."
        )


def oauth_state_remember_used(*, session, state: str, connection_id: int) -> None:
    used = dict(session.get(USED_SESSION_KEY, {}))
    used[state] = connection_id
    session[USED_SESSION_KEY] = dict(list(used.items())[-MAX_PENDING_STATES:])


def oauth_state_used_connection(*, session, state: str | None) -> int | None:
    """The connection a completed callback with this state made in this session, if any."""
    if not state:
        return None
    connection_id = session.get(USED_SESSION_KEY, {}).get(state)
    return connection_id if isinstance(connection_id, int) else None


class _IssuedToken:
    """A token source for the one /me call made before any identity row exists."""

    def __init__(self, access_token: str):
        self._access_token = access_token

    def access_token(self) -> str:
        return self._access_token

    def refresh_after_unauthorized(self, stale_token: str) -> str:
        return self._access_token


@dataclass(frozen=True)
class Profile:
    identity_id: int
    identity_uuid: str
    email: str
    first_name: str
    last_name: str
    memberships: list[dict]


def _membership_summary(membership: object) -> dict | None:
    """Keep what the picker needs; drop FreshBooks' per-membership fasttrack token."""
    if not isinstance(membership, dict) or not isinstance(membership.get("business"), dict):
        return None
    business = membership["business"]
    if not isinstance(business.get("id"), int):
        return None
    account_id = business.get("account_id")
    return {
        "membership_id": membership.get("id"),
        "role": storable_text(str(membership.get("role") or "")),
        "business": {
            "id": business["id"],
            "name": storable_text(str(business.get("name") or f"Business {business['id']}")),
            "account_id": storable_text(account_id) if isinstance(account_id, str) else None,
            "business_uuid": storable_text(str(business.get("business_uuid") or "")),
            "timezone": storable_text(str(business.get("timezone") or "")),
            "active": business.get("active", True) is not False,
        },
    }


def profile_from_me(me: object) -> Profile:
    if not isinstance(me, dict):
        raise MalformedResponse("FreshBooks /me returned something other than a JSON object")
    identity_id = me.get("identity_id", me.get("id"))
    if not isinstance(identity_id, int) or isinstance(identity_id, bool):
        raise MalformedResponse("FreshBooks /me has no numeric identity_id")
    raw_memberships = me.get("business_memberships")
    memberships = [
        summary
        for summary in map(_membership_summary, raw_memberships or [])
        if summary is not None
    ]
    return Profile(
        identity_id=identity_id,
        identity_uuid=storable_text(str(me.get("identity_uuid") or "")),
        email=storable_text(str(me.get("email") or "")),
        first_name=storable_text(str(me.get("first_name") or "")),
        last_name=storable_text(str(me.get("last_name") or "")),
        memberships=memberships,
    )


def _fetch_profile(token_set: TokenSet) -> Profile:
    with FreshBooksClient(
        api_base_url=settings.FRESHBOOKS_API_BASE_URL,
        token_source=_IssuedToken(token_set.access_token),
        user_agent=USER_AGENT,
        max_attempts=settings.FRESHBOOKS_MAX_ATTEMPTS,
    ) as client:
        return profile_from_me(client.me())


def oauth_complete(*, user, code: str | None) -> Connection:
    """Exchange the code once, read /me, and store the identity's tokens and the connection."""
    if not code:
        raise OAuthCallbackError("The reply from FreshBooks had no authorization code.")
    try:
        token_set = oauth_client().exchange_code(code)
    except FreshBooksError as error:
        logger.warning("FreshBooks refused an authorization code: %s", error)
        raise OAuthCallbackError(
            "FreshBooks did not accept the authorization (the code may have expired or been "
            "used already). Start again from “Connect FreshBooks”.",
            status=502 if error.status is None or error.status >= 500 else 400,
        ) from error
    try:
        profile = _fetch_profile(token_set)
    except FreshBooksError as error:
        logger.warning("FreshBooks /me failed after a code exchange: %s", error)
        raise OAuthCallbackError(
            "FreshBooks accepted the connection but did not say who you are. "
            "Please try again in a moment.",
            status=502,
        ) from error

    with transaction.atomic():
        identity, _created = FreshBooksIdentity.objects.get_or_create(
            identity_id=profile.identity_id
        )
        identity = FreshBooksIdentity.objects.select_for_update().get(pk=identity.pk)
        identity.identity_uuid = profile.identity_uuid
        identity.email = profile.email
        identity.first_name = profile.first_name
        identity.last_name = profile.last_name
        identity.memberships = profile.memberships
        # The new grant replaced FreshBooks' one live refresh token: keep the new pair.
        identity_tokens_store(identity=identity, token_set=token_set)
        connection, _created = Connection.objects.update_or_create(
            user=user, identity=identity, defaults={"disconnected_at": None}
        )
        identity_businesses_resume(identity=identity)
    if not profile.memberships:
        identity_error_record(
            identity_id=identity.pk,
            message="FreshBooks reports no business memberships for this user.",
        )
    return connection


def identity_profile_reload(*, identity: FreshBooksIdentity) -> None:
    """Re-read /me so the business picker shows memberships added in FreshBooks since connecting."""
    from connections.services.freshbooks_api import api_client_for

    with api_client_for(identity) as client:
        profile = profile_from_me(client.me())
    FreshBooksIdentity.objects.filter(pk=identity.pk).update(
        memberships=profile.memberships,
        email=profile.email,
        first_name=profile.first_name,
        last_name=profile.last_name,
    )
