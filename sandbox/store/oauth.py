"""Authorization codes and token pairs, with FreshBooks' rotation rules (reference §1).

- A code works once, for the client and redirect URI it was issued to, until it expires.
- Every issued pair (from a code or a refresh) kills every other refresh token of the same identity
  and app: only one refresh token is alive per user per application. Access tokens already issued
  stay valid until they expire ("several bearer tokens may coexist").
- Revoking either token of a pair revokes both.

Error texts are Doorkeeper's, which FreshBooks' OAuth server's messages match.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass

from sandbox.db import Transaction

INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class AccessGrant:
    """What a valid bearer token says about its caller."""

    identity_id: int
    client_id: str
    scopes: tuple[str, ...]


def create_code(
    transaction: Transaction,
    *,
    client_id: str,
    identity_id: int,
    redirect_uri: str,
    scope: str,
    ttl: int,
) -> str:
    code = secrets.token_hex(32)
    transaction.execute(
        "INSERT INTO oauth_codes (code, client_id, identity_id, redirect_uri, scope, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (code, client_id, identity_id, redirect_uri, scope, time.time() + ttl),
    )
    return code


def exchange_code(
    transaction: Transaction, *, code: str, client_id: str, redirect_uri: str, token_ttl: int
) -> dict:
    row = transaction.one("SELECT * FROM oauth_codes WHERE code = ?", (code,))
    if (
        row is None
        or row["used"]
        or row["expires_at"] <= time.time()
        or row["client_id"] != client_id
        or row["redirect_uri"] != redirect_uri
    ):
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    transaction.execute("UPDATE oauth_codes SET used = 1 WHERE code = ?", (code,))
    return issue_pair(
        transaction,
        identity_id=row["identity_id"],
        client_id=client_id,
        scope=row["scope"],
        token_ttl=token_ttl,
    )


def refresh(
    transaction: Transaction, *, refresh_token: str, client_id: str, token_ttl: int
) -> dict:
    row = transaction.one("SELECT * FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,))
    if row is None or row["revoked"] or row["refresh_spent"] or row["client_id"] != client_id:
        raise OAuthError(400, "invalid_grant", INVALID_GRANT)
    return issue_pair(
        transaction,
        identity_id=row["identity_id"],
        client_id=client_id,
        scope=row["scope"],
        token_ttl=token_ttl,
    )


def issue_pair(
    transaction: Transaction, *, identity_id: int, client_id: str, scope: str, token_ttl: int
) -> dict:
    transaction.execute(
        "UPDATE oauth_tokens SET refresh_spent = 1 WHERE identity_id = ? AND client_id = ?",
        (identity_id, client_id),
    )
    now = int(time.time())
    access_token = secrets.token_urlsafe(48)
    refresh_token = secrets.token_hex(32)
    transaction.execute(
        "INSERT INTO oauth_tokens (client_id, identity_id, scope, access_token, refresh_token, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (client_id, identity_id, scope, access_token, refresh_token, now, now + token_ttl),
    )
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": token_ttl,
        "scope": scope,
        "created_at": now,
        "id_token": _id_token(identity_id, client_id, now, token_ttl),
    }


def _id_token(identity_id: int, client_id: str, issued_at: int, ttl: int) -> str:
    """An unsigned OpenID-style token, present because the SDK fixtures carry one."""

    def part(document: dict) -> str:
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {
        "iss": "https://auth.freshbooks.com",
        "sub": str(identity_id),
        "aud": client_id,
        "iat": issued_at,
        "exp": issued_at + ttl,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def revoke(transaction: Transaction, *, token: str, client_id: str) -> None:
    row = transaction.one(
        "SELECT * FROM oauth_tokens WHERE access_token = ? OR refresh_token = ?", (token, token)
    )
    if row is None:
        return  # RFC 7009: unknown tokens are not an error
    if row["client_id"] != client_id:
        raise OAuthError(403, "unauthorized_client", "You are not authorized to revoke this token")
    transaction.execute(
        "UPDATE oauth_tokens SET revoked = 1 WHERE token_id = ?", (row["token_id"],)
    )


def authenticate(transaction: Transaction, access_token: str) -> AccessGrant | None:
    row = transaction.one(
        "SELECT identity_id, client_id, scope, expires_at, revoked FROM oauth_tokens "
        "WHERE access_token = ?",
        (access_token,),
    )
    if row is None or row["revoked"] or row["expires_at"] <= time.time():
        return None
    return AccessGrant(row["identity_id"], row["client_id"], tuple(row["scope"].split()))


def expire_all(transaction: Transaction) -> int:
    cursor = transaction.execute(
        "UPDATE oauth_tokens SET expires_at = ? WHERE expires_at > ?", (time.time(), time.time())
    )
    return cursor.rowcount
