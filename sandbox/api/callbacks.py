"""``/events/account/{account_id}/events/callbacks``: webhook registrations (reference §8.1).

The scope a callback needs depends on its event and FreshBooks does not publish the mapping, so any
valid token of a staff member of the account may manage callbacks. Creating (or changing the URI,
or ``resend``) sends the ``callback.verify`` POST once the change has committed. DELETE answers 204.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from sandbox.api.common import (
    accounting_list,
    authorize,
    json_body,
    page_window,
    runtime,
    staff_account,
)
from sandbox.store import callbacks
from sandbox.validation import wrapped

blueprint = Blueprint("callbacks", __name__)

CALLBACKS = "/events/account/<account_id>/events/callbacks"


def _single(document: dict) -> Response:
    return jsonify({"response": {"result": {"callback": document}}})


@blueprint.get(CALLBACKS)
def list_callbacks(account_id: str):
    filters = {
        name: request.args[f"search[{name}]"]
        for name in ("event", "uri")
        if request.args.get(f"search[{name}]")
    }
    page, per_page, window = page_window(15)
    with runtime().db.reading() as reader:
        grant = authorize(reader, None)
        business = staff_account(reader, grant, account_id)
        found, total = callbacks.search(reader, business["account_id"], filters, window)
    return jsonify(accounting_list("callbacks", found, page, per_page, total))


@blueprint.post(CALLBACKS)
def create_callback(account_id: str):
    sandbox = runtime()
    with sandbox.db.transaction() as transaction:
        grant = authorize(transaction, None)
        business = staff_account(transaction, grant, account_id)
        record = callbacks.create(
            transaction,
            business,
            wrapped(json_body(), "callback"),
            identity_id=grant.identity_id,
        )
    sandbox.webhooks.send_verification(record)
    return _single(callbacks.document(record))


@blueprint.get(f"{CALLBACKS}/<int:callback_id>")
def get_callback(account_id: str, callback_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, None)
        business = staff_account(reader, grant, account_id)
        record = callbacks.record(reader, business["account_id"], callback_id)
    return _single(callbacks.document(record))


@blueprint.put(f"{CALLBACKS}/<int:callback_id>")
def update_callback(account_id: str, callback_id: int):
    sandbox = runtime()
    with sandbox.db.transaction() as transaction:
        grant = authorize(transaction, None)
        business = staff_account(transaction, grant, account_id)
        record, send_verification = callbacks.update(
            transaction, business["account_id"], callback_id, wrapped(json_body(), "callback")
        )
    if send_verification:
        sandbox.webhooks.send_verification(record)
    return _single(callbacks.document(record))


@blueprint.delete(f"{CALLBACKS}/<int:callback_id>")
def delete_callback(account_id: str, callback_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, None)
        business = staff_account(transaction, grant, account_id)
        callbacks.delete(transaction, business["account_id"], callback_id)
    return Response(status=204)
