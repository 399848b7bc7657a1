"""``/_sandbox/``: the control API for tests, the demo and benchmarks (JSON in and out).

Served only in control mode, never counted in the call counters. Act-as-user endpoints take the
object's fields flat (not wrapped) plus an optional ``as_identity_id`` (default: the business owner)
and go through the same code as the API, so they validate the same way and raise the same webhook
events:

| method and path | does |
| --- | --- |
| ``GET /_sandbox/health`` | ``{"status": "ok"}`` |
| ``GET /_sandbox/info`` | registered apps and settings |
| ``POST /_sandbox/reset`` | empty the state, faults, counters, webhook queue, log and modes |
| ``POST /_sandbox/seed`` | seed (sizes in the body, see ``sandbox.seed``); returns created ids |
| ``GET /_sandbox/calls``, ``POST /_sandbox/calls/reset`` | ``{"METHOD /route": n, "total": n}`` |
| ``GET|POST|DELETE /_sandbox/faults``, ``DELETE /_sandbox/faults/{id}`` | fault rules |
| ``POST /_sandbox/tokens/expire`` | every access token expires now |
| ``POST /_sandbox/tokens/rotate`` | ``{identity_id, client_id}``: another install refreshed |
| ``POST /_sandbox/oauth/grant`` | ``{identity_id|email, client_id, redirect_uri?, scope?}``:
  a code |
| ``POST /_sandbox/act/{business_id}/{noun}`` | create (nouns: ``time_entries``, ``clients``,
  ``projects``, ``services``, ``invoices``) → ``{<singular>: {...}}`` with status 201 |
| ``PATCH /_sandbox/act/{business_id}/{noun}/{id}`` | update |
| ``DELETE /_sandbox/act/{business_id}/{noun}/{id}`` | delete (soft where FreshBooks is soft) |
| ``POST /_sandbox/act/{business_id}/invoices/{id}/status`` | ``{"status": "sent"}`` (or draft,
  viewed, paid) |
| ``GET /_sandbox/state/{business_id or account_id}/{noun}`` | every object, deleted ones too
  (``time_entries``, ``invoices`` with lines, ``clients``, ``projects``, ``services``,
  ``callbacks``) |
| ``GET /_sandbox/webhooks/deliveries`` | every delivery attempt |
| ``POST /_sandbox/webhooks/mode`` | ``{"duplicate": fraction|bool, "delay_ms", "reorder"}`` |
| ``POST /_sandbox/webhooks/flush`` | deliver everything pending now and wait |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, request

from sandbox import errors, seed
from sandbox.api.common import json_body, runtime
from sandbox.api.oauth import normalise_scope
from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import (
    callbacks,
    clients,
    identities,
    invoices,
    oauth,
    projects,
    services,
    time_entries,
)
from sandbox.store.common import EVERYTHING
from sandbox.validation import MISSING, Fields

blueprint = Blueprint("control", __name__, url_prefix="/_sandbox")


def _body() -> dict:
    raw = request.get_data(cache=True)
    return json_body() if raw.strip() else {}


@blueprint.get("/health")
def health():
    return jsonify({"status": "ok"})


@blueprint.get("/info")
def info():
    config = runtime().config
    return jsonify(
        {
            "apps": [
                {"client_id": app.client_id, "redirect_uris": list(app.redirect_uris)}
                for app in config.apps
            ],
            "token_ttl": config.token_ttl,
            "code_ttl": config.code_ttl,
            "webhook_retry_base": config.webhook_retry_base,
            "webhook_max_attempts": config.webhook_max_attempts,
        }
    )


@blueprint.post("/reset")
def reset():
    runtime().reset()
    return jsonify({"reset": True})


@blueprint.post("/seed")
def seed_data():
    sizes = seed.SeedSizes.parse(_body())
    return jsonify(seed.seed(runtime().db, sizes)), 201


@blueprint.get("/calls")
def calls():
    return jsonify(runtime().calls.snapshot())


@blueprint.post("/calls/reset")
def reset_calls():
    runtime().calls.reset()
    return jsonify(runtime().calls.snapshot())


@blueprint.get("/faults")
def list_faults():
    return jsonify({"faults": runtime().faults.rules()})


@blueprint.post("/faults")
def add_fault():
    rule = runtime().faults.add(_body())
    return jsonify({"fault": rule.describe()}), 201


@blueprint.delete("/faults")
def clear_faults():
    runtime().faults.clear()
    return jsonify({"faults": []})


@blueprint.delete("/faults/<int:rule_id>")
def remove_fault(rule_id: int):
    if not runtime().faults.remove(rule_id):
        raise errors.not_found(errors.CONTROL, NotFound("fault", "id", rule_id))
    return jsonify({"faults": runtime().faults.rules()})


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
    fields = Fields(_body(), "rotate")
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
    fields = Fields(_body(), "grant")
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


# Acting as a FreshBooks user.


@dataclass(frozen=True)
class _Noun:
    """How the act-as-user endpoints reach one kind of object's store functions."""

    singular: str
    create: Callable
    update: Callable
    delete: Callable
    needs_account: bool = False


def _soft_delete(update: Callable) -> Callable:
    def delete(transaction, business, object_id, *, identity_id):
        return update(transaction, business, object_id, {"vis_state": 1}, identity_id=identity_id)

    return delete


def _then_get(delete: Callable, get: Callable) -> Callable:
    def delete_and_show(transaction, business, object_id, *, identity_id):
        delete(transaction, business, object_id, identity_id=identity_id)
        return get(transaction, business, object_id)

    return delete_and_show


def _create_time_entry(transaction, business, payload, *, identity_id):
    return time_entries.create(
        transaction, business, payload, identity_id=identity_id, default_billable=True
    )


def _deleted_project(transaction, business, project_id):
    return {"id": project_id, "deleted": True}


NOUNS = {
    "time_entries": _Noun(
        "time_entry",
        _create_time_entry,
        time_entries.update,
        _then_get(time_entries.delete, time_entries.get),
    ),
    "clients": _Noun(
        "client",
        clients.create,
        clients.update,
        _soft_delete(clients.update),
        needs_account=True,
    ),
    "projects": _Noun(
        "project",
        projects.create,
        projects.update,
        _then_get(projects.delete, _deleted_project),
    ),
    "services": _Noun("service", services.create, services.update, services.delete),
    "invoices": _Noun(
        "invoice",
        invoices.create,
        invoices.update,
        invoices.delete,
        needs_account=True,
    ),
}


def _acting(transaction: Transaction, business_id: int, noun: str, payload: dict):
    if noun not in NOUNS:
        raise NotFound("noun", "noun", noun)
    business = identities.business(transaction, business_id)
    if business is None:
        raise NotFound("business", "business_id", business_id)
    if NOUNS[noun].needs_account and business["account_id"] is None:
        raise NotFound("account", "business_id", business_id)
    fields = Fields(payload, "act")
    as_identity = fields.integer("as_identity_id")
    fields.check()
    if as_identity in (MISSING, None):
        as_identity = identities.owner_of(transaction, business_id)
    elif identities.staff_role(transaction, as_identity, business_id) is None:
        raise ValidationFailed(
            {"as_identity_id": FieldError("unknown", "not a staff member of this business")},
            "act",
        )
    fields_only = {key: value for key, value in payload.items() if key != "as_identity_id"}
    return business, as_identity, fields_only


@blueprint.post("/act/<int:business_id>/<noun>")
def act_create(business_id: int, noun: str):
    with runtime().db.transaction() as transaction:
        business, identity_id, payload = _acting(transaction, business_id, noun, _body())
        created = NOUNS[noun].create(transaction, business, payload, identity_id=identity_id)
    return jsonify({NOUNS[noun].singular: created}), 201


@blueprint.patch("/act/<int:business_id>/<noun>/<int:object_id>")
def act_update(business_id: int, noun: str, object_id: int):
    with runtime().db.transaction() as transaction:
        business, identity_id, payload = _acting(transaction, business_id, noun, _body())
        updated = NOUNS[noun].update(
            transaction, business, object_id, payload, identity_id=identity_id
        )
    return jsonify({NOUNS[noun].singular: updated})


@blueprint.delete("/act/<int:business_id>/<noun>/<int:object_id>")
def act_delete(business_id: int, noun: str, object_id: int):
    with runtime().db.transaction() as transaction:
        business, identity_id, _payload = _acting(transaction, business_id, noun, _body())
        deleted = NOUNS[noun].delete(transaction, business, object_id, identity_id=identity_id)
    return jsonify({NOUNS[noun].singular: deleted})


@blueprint.post("/act/<int:business_id>/invoices/<int:invoice_id>/status")
def act_invoice_status(business_id: int, invoice_id: int):
    body = _body()
    with runtime().db.transaction() as transaction:
        business, identity_id, payload = _acting(transaction, business_id, "invoices", body)
        status = payload.get("status")
        invoice = invoices.set_status(
            transaction,
            business,
            invoice_id,
            status if isinstance(status, str) else "",
            identity_id=identity_id,
        )
    return jsonify({"invoice": invoice})


# Raw state for assertions.


def _business_for(reader: Transaction, scope: str) -> dict[str, Any]:
    business = (
        identities.business(reader, int(scope))
        if scope.isdigit()
        else identities.business_by_account(reader, scope)
    )
    if business is None:
        raise NotFound("business", "business_id", scope)
    return business


@blueprint.get("/state/<scope>/<noun>")
def state(scope: str, noun: str):
    with runtime().db.reading() as reader:
        business = _business_for(reader, scope)
        account_id = business["account_id"]
        if noun == "time_entries":
            found = time_entries.all_for_business(reader, business)
        elif noun == "projects":
            rows = reader.all(
                "SELECT id, deleted FROM projects WHERE business_id = ? ORDER BY id",
                (business["business_id"],),
            )
            found = [
                {
                    **projects.get(
                        reader,
                        business,
                        row["id"],
                        include_logged_duration=True,
                        include_deleted=True,
                    ),
                    "deleted": bool(row["deleted"]),
                }
                for row in rows
            ]
        elif noun == "services":
            rows = reader.all(
                "SELECT id FROM services WHERE business_id = ? ORDER BY id",
                (business["business_id"],),
            )
            found = [services.any_state(reader, business["business_id"], row["id"]) for row in rows]
        elif account_id is None and noun in ("invoices", "clients", "callbacks"):
            found = []
        elif noun == "invoices":
            found = invoices.all_for_account(reader, account_id)
        elif noun == "clients":
            found, _total = clients.search(reader, account_id, {"vis_state": 0}, EVERYTHING)
            for vis_state in (1, 2):
                more, _total = clients.search(
                    reader, account_id, {"vis_state": vis_state}, EVERYTHING
                )
                found.extend(more)
            found.sort(key=lambda client: client["id"])
        elif noun == "callbacks":
            rows = reader.all(
                "SELECT * FROM callbacks WHERE account_id = ? ORDER BY callbackid", (account_id,)
            )
            found = [{**callbacks.document(row), "verifier": row["verifier"]} for row in rows]
        else:
            raise NotFound("noun", "noun", noun)
    return jsonify({noun: found})


# Webhooks.


@blueprint.get("/webhooks/deliveries")
def webhook_deliveries():
    dispatcher = runtime().webhooks
    return jsonify({"deliveries": dispatcher.deliveries(), "pending": dispatcher.pending_count()})


@blueprint.post("/webhooks/mode")
def webhook_mode():
    fields = Fields(_body(), "webhook_mode")
    delay_ms = fields.integer("delay_ms", nullable=False)
    reorder = fields.boolean("reorder")
    duplicate: Any = MISSING
    if fields.has("duplicate"):
        raw = fields.payload["duplicate"]
        if isinstance(raw, bool):
            duplicate = 1.0 if raw else 0.0
        else:
            duplicate = fields.decimal("duplicate", nullable=False)
            if duplicate is not MISSING:
                if duplicate > 1:
                    fields.fail("duplicate", "invalid", "duplicate must be a fraction 0 to 1")
                duplicate = float(duplicate)
    fields.check()
    mode = runtime().webhooks.set_mode(
        duplicate=None if duplicate is MISSING else duplicate,
        delay_ms=None if delay_ms is MISSING else delay_ms,
        reorder=None if reorder is MISSING else reorder,
    )
    return jsonify(mode)


@blueprint.post("/webhooks/flush")
def webhook_flush():
    return jsonify(runtime().webhooks.flush())
