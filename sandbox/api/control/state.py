"""The sandbox as a whole: health, settings, reset, seeding, and every stored object for asserts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from sandbox.api.common import runtime
from sandbox.api.control.common import optional_body
from sandbox.db import Transaction
from sandbox.errors import NotFound
from sandbox.seed.build import seed
from sandbox.seed.sizes import SeedSizes
from sandbox.store import (
    callbacks,
    clients,
    expenses,
    identities,
    invoices,
    projects,
    services,
    taxes,
    time_entries,
)
from sandbox.store.common import EVERYTHING

blueprint = Blueprint("state", __name__)

# Account-wide objects whose state readers need nothing but the reader and the account.
_ACCOUNTING = {
    "expenses": expenses.all_for_account,
    "taxes": lambda reader, account_id: taxes.search(reader, account_id, {}, EVERYTHING)[0],
}


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
    sizes = SeedSizes.parse(optional_body())
    return jsonify(seed(runtime().db, sizes)), 201


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
        elif account_id is None and noun in ("invoices", "clients", "callbacks", *_ACCOUNTING):
            found = []
        elif noun in _ACCOUNTING:
            found = _ACCOUNTING[noun](reader, account_id)
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
