"""Shortcuts past the OAuth flow: expire tokens, rotate a refresh token, grant a code."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from sandbox.api.common import runtime
from sandbox.api.control.common import optional_body
from sandbox.api.oauth import normalise_scope
from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import identities, oauth
from sandbox.validation import MISSING, Fields

blueprint = Blueprint("tokens", __name__)


@blueprint.post("/tokens/expire")
def expire_tokens():
    with runtime().db.transaction() as transaction:
        expired = oauth.expire_all(transaction)
    return jsonify({"expired": expired})


def _identity(transaction: Transaction, fields: Fields) -> dict[str, Any]:
    identity_id = fields.integer("identity_id")
    email = fields.text("email")
    fields.check()
    person = None
    if identity_id not in (MISSING, None):
        person = identities.identity(transaction, identity_id)
    elif email not in (MISSING, None):
        person = identities.identity_by_email(transaction, email)
    else:
        raise ValidationFailed(
            {"identity_id": FieldError("required", "identity_id or email is required")}, "grant"
        )
    if person is None:
        raise NotFound("identity", "identity_id", identity_id if identity_id else email)
    return person


def _app(fields: Fields):
    client_id = fields.text("client_id", required=True, nullable=False)
    fields.check()
    app = runtime().config.app(client_id)
    if app is None:
        raise ValidationFailed(
            {"client_id": FieldError("unknown", "no registered app has this client_id")}, "grant"
        )
    return app


@blueprint.post("/tokens/rotate")
def rotate_refresh_token():
    fields = Fields(optional_body(), "rotate")
    sandbox = runtime()
    with sandbox.db.transaction() as transaction:
        person = _identity(transaction, fields)
        app = _app(fields)
        scope_row = transaction.one(
            "SELECT scope FROM oauth_tokens WHERE identity_id = ? AND client_id = ? "
            "ORDER BY token_id DESC LIMIT 1",
            (person["identity_id"], app.client_id),
        )
        pair = oauth.issue_pair(
            transaction,
            identity_id=person["identity_id"],
            client_id=app.client_id,
            scope=scope_row["scope"] if scope_row else normalise_scope(None),
            token_ttl=sandbox.config.token_ttl,
        )
    return jsonify(pair)


@blueprint.post("/oauth/grant")
def grant_code():
    fields = Fields(optional_body(), "grant")
    sandbox = runtime()
    with sandbox.db.transaction() as transaction:
        person = _identity(transaction, fields)
        app = _app(fields)
        redirect_uri = fields.text("redirect_uri")
        scope_text = fields.text("scope")
        fields.check()
        if redirect_uri in (MISSING, None):
            redirect_uri = app.redirect_uris[0]
        if redirect_uri not in app.redirect_uris:
            raise ValidationFailed(
                {"redirect_uri": FieldError("invalid", "not registered for this app")}, "grant"
            )
        scope = normalise_scope(None if scope_text is MISSING else scope_text)
        if scope is None:
            raise ValidationFailed({"scope": FieldError("invalid", "unknown scope")}, "grant")
        code = oauth.create_code(
            transaction,
            client_id=app.client_id,
            identity_id=person["identity_id"],
            redirect_uri=redirect_uri,
            scope=scope,
            ttl=sandbox.config.code_ttl,
        )
    return jsonify({"code": code, "redirect_uri": redirect_uri, "scope": scope, **_person(person)})


def _person(person: dict) -> dict:
    return {"identity_id": person["identity_id"], "email": person["email"]}
