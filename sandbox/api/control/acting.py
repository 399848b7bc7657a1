"""Acting as a FreshBooks user: the same store functions as the API, so the same webhook events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, jsonify

from sandbox.api.common import runtime
from sandbox.api.control.common import optional_body
from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import (
    clients,
    expenses,
    identities,
    invoices,
    projects,
    services,
    taxes,
    time_entries,
)
from sandbox.validation import MISSING, Fields

blueprint = Blueprint("acting", __name__)


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
    "expenses": _Noun(
        "expense", expenses.create, expenses.update, expenses.delete, needs_account=True
    ),
    "taxes": _Noun("tax", taxes.create, taxes.update, taxes.delete, needs_account=True),
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
        business, identity_id, payload = _acting(transaction, business_id, noun, optional_body())
        created = NOUNS[noun].create(transaction, business, payload, identity_id=identity_id)
    return jsonify({NOUNS[noun].singular: created}), 201


@blueprint.patch("/act/<int:business_id>/<noun>/<int:object_id>")
def act_update(business_id: int, noun: str, object_id: int):
    with runtime().db.transaction() as transaction:
        business, identity_id, payload = _acting(transaction, business_id, noun, optional_body())
        updated = NOUNS[noun].update(
            transaction, business, object_id, payload, identity_id=identity_id
        )
    return jsonify({NOUNS[noun].singular: updated})


@blueprint.delete("/act/<int:business_id>/<noun>/<int:object_id>")
def act_delete(business_id: int, noun: str, object_id: int):
    with runtime().db.transaction() as transaction:
        business, identity_id, _payload = _acting(transaction, business_id, noun, optional_body())
        deleted = NOUNS[noun].delete(transaction, business, object_id, identity_id=identity_id)
    return jsonify({NOUNS[noun].singular: deleted})


@blueprint.post("/act/<int:business_id>/invoices/<int:invoice_id>/status")
def act_invoice_status(business_id: int, invoice_id: int):
    body = optional_body()
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
