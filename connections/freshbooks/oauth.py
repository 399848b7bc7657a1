"""FreshBooks OAuth2: authorize URL, code exchange, refresh and revoke.

Nothing here retries. An authorization code and a refresh token each work once; repeating a
request whose answer was lost would spend the grant and leave the caller with `invalid_grant`.
The caller (under a row lock) decides what to do after a TransportError.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests

from .errors import (
    MalformedResponse,
    OAuthError,
    decode_json,
    error_from_response,
    malformed,
    redact,
)
from .retry import transport_error

logger = logging.getLogger(__name__)

TOKEN_PATH = "/auth/oauth/token"  # noqa: S105 - a URL path, not a secret
REVOKE_PATH = "/auth/oauth/revoke"


@dataclass(frozen=True)
class TokenSet:
    """A rotated access/refresh pair; persist both before using either."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str

    def __repr__(self) -> str:
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"

    __str__ = __repr__

    @classmethod
    def from_token_response(cls, body: Any, *, now: datetime | None = None) -> TokenSet:
        """Build from a token endpoint body; expiry is `created_at + expires_in` when possible
        because a refresh may return the original `created_at` with a shorter `expires_in`."""
        if not isinstance(body, dict):
            raise MalformedResponse("token response is not a JSON object")
        if isinstance(body.get("error"), str):
            raise OAuthError(
                str(body.get("error_description") or body["error"]),
                error=body["error"],
                error_description=str(body.get("error_description") or ""),
                body=redact(body),
            )
        access_token = body.get("access_token")
        refresh_token = body.get("refresh_token")
        expires_in = body.get("expires_in")
        if not isinstance(access_token, str) or not access_token:
            raise MalformedResponse("token response has no access_token", body=redact(body))
        if not isinstance(refresh_token, str) or not refresh_token:
            raise MalformedResponse("token response has no refresh_token", body=redact(body))
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            raise MalformedResponse("token response has no numeric expires_in", body=redact(body))
        created_at = body.get("created_at")
        if isinstance(created_at, int | float) and not isinstance(created_at, bool):
            issued = datetime.fromtimestamp(created_at, tz=UTC)
        else:
            issued = now or datetime.now(UTC)
        raw_scope = body.get("scope")
        scope = raw_scope if isinstance(raw_scope, str) else ""
        return cls(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=issued + timedelta(seconds=expires_in),
            scope=scope,
        )


class OAuthClient:
    """The app's OAuth credentials and the four calls made with them."""

    def __init__(
        self,
        *,
        auth_base_url: str,
        api_base_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        user_agent: str = "freshbooks-billing",
    ) -> None:
        self.auth_base_url = auth_base_url.rstrip("/")
        self.api_base_url = api_base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._session = session or requests.Session()
        self._timeout = timeout
        self._user_agent = user_agent

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r}, api_base_url={self.api_base_url!r})"

    def authorization_url(self, *, state: str, scopes: list[str] | None = None) -> str:
        """Where to send the browser; `scopes=None` asks for the app's registered scopes."""
        query: dict[str, str] = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
        }
        if scopes:
            query["scope"] = " ".join(scopes)
        query["state"] = state
        return f"{self.auth_base_url}/oauth/authorize?{urlencode(query, quote_via=quote)}"

    def exchange_code(self, code: str) -> TokenSet:
        body = self._post(
            TOKEN_PATH,
            {"grant_type": "authorization_code", "code": code, **self._grant_credentials()},
        )
        return TokenSet.from_token_response(body)

    def refresh(self, refresh_token: str) -> TokenSet:
        """Rotate the pair. Raises InvalidGrant when the refresh token is spent or revoked."""
        body = self._post(
            TOKEN_PATH,
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                **self._grant_credentials(),
            },
        )
        return TokenSet.from_token_response(body)

    def revoke(self, token: str) -> None:
        self._post(
            REVOKE_PATH,
            {"client_id": self.client_id, "client_secret": self._client_secret, "token": token},
        )

    def _grant_credentials(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "redirect_uri": self.redirect_uri,
        }

    def _post(self, path: str, payload: dict[str, str]) -> dict[str, Any]:
        """Exactly one POST; the payload holds secrets, so nothing of it is logged."""
        try:
            response = self._session.post(
                f"{self.api_base_url}{path}",
                json=payload,
                headers={"Accept": "application/json", "User-Agent": self._user_agent},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise transport_error(exc, method="POST", path=path) from None
        logger.info("freshbooks oauth POST %s: HTTP %d", path, response.status_code)
        if response.status_code >= 300:
            raise error_from_response(response, oauth_endpoint=True)
        if not response.content.strip():
            return {}
        parsed = decode_json(response)
        if not isinstance(parsed, dict):
            raise malformed(response, "FreshBooks OAuth returned a body that is not a JSON object")
        return parsed
