"""Webhook callbacks (reference §8.1, §8.2).

A callback is created unverified with a fresh verifier; the caller sends the ``callback.verify``
POST after the transaction commits. ``PUT {"callback": {"verifier": ...}}`` verifies,
``{"resend": true}`` sends the same verifier again, and changing the ``uri`` makes the callback
unverified and sends a new verification. Registering a bare noun (``invoice``) subscribes to all
its verbs; the list filter ``search[event]`` matches an event and its parent noun.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sandbox import clock
from sandbox.db import Transaction
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store.common import Window
from sandbox.validation import MISSING, Fields

NOUNS = (
    "bill",
    "bill_vendor",
    "category",
    "client",
    "credit_note",
    "estimate",
    "expense",
    "invoice",
    "item",
    "payment",
    "project",
    "recurring",
    "service",
    "tax",
    "time_entry",
)
VERBS = ("create", "update", "delete")
EVENTS = frozenset(
    {*NOUNS, *(f"{noun}.{verb}" for noun in NOUNS for verb in VERBS)}
    | {"estimate.sendByEmail", "invoice.sendByEmail"}
)


def document(row) -> dict[str, Any]:
    return {
        "callbackid": row["callbackid"],
        "verified": bool(row["verified"]),
        "uri": row["uri"],
        "event": row["event"],
        "updated_at": clock.iso_z(clock.from_stamp(row["updated_at"])),
    }


def _valid_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _read_fields(payload: Any, *, creating: bool) -> dict[str, Any]:
    fields = Fields(payload, "callback")
    event = fields.text("event", required=creating, nullable=False, max_length=100)
    uri = fields.text("uri", required=creating, nullable=False, max_length=2000)
    if event is not MISSING and event not in EVENTS:
        fields.fail("event", "invalid", "Value error, Unrecognized event.", event)
    if uri is not MISSING and not _valid_uri(uri):
        fields.fail("uri", "invalid", "Input should be a valid URL, relative URL without a base")
    fields.check()
    return {name: value for name, value in (("event", event), ("uri", uri)) if value is not MISSING}


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    """Returns the stored row as a dict, verifier included, for the verification POST."""
    changes = _read_fields(payload, creating=True)
    cursor = transaction.execute(
        "INSERT INTO callbacks (account_id, business_id, identity_id, event, uri, verifier, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            business["account_id"],
            business["business_id"],
            identity_id,
            changes["event"],
            changes["uri"],
            secrets.token_urlsafe(24),
            clock.stamp(clock.utc_now()),
        ),
    )
    return record(transaction, business["account_id"], cursor.lastrowid)


def record(transaction: Transaction, account_id: str, callback_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT * FROM callbacks WHERE account_id = ? AND callbackid = ?", (account_id, callback_id)
    )
    if row is None:
        raise NotFound("callback", "callbackid", callback_id)
    return dict(row)


def update(
    transaction: Transaction, account_id: str, callback_id: int, payload: Any
) -> tuple[dict[str, Any], bool]:
    """Apply a PUT; returns the stored row and whether a verification POST must be sent."""
    current = record(transaction, account_id, callback_id)
    fields = Fields(payload, "callback")
    verifier = fields.text("verifier", nullable=False, max_length=200)
    resend = fields.boolean("resend")
    fields.check()
    changes = _read_fields(
        {key: value for key, value in fields.payload.items() if key in ("event", "uri")},
        creating=False,
    )
    verified = bool(current["verified"])
    send_verification = resend is True
    if verifier is not MISSING:
        if not secrets.compare_digest(verifier, current["verifier"]):
            raise ValidationFailed(
                {"verifier": FieldError("invalid", "Value error, Invalid verifier.")}, "callback"
            )
        verified = True
    if "uri" in changes and changes["uri"] != current["uri"]:
        verified, send_verification = False, True
    transaction.execute(
        "UPDATE callbacks SET event = ?, uri = ?, verified = ?, updated_at = ? "
        "WHERE callbackid = ?",
        (
            changes.get("event", current["event"]),
            changes.get("uri", current["uri"]),
            int(verified),
            clock.stamp(clock.utc_now()),
            callback_id,
        ),
    )
    return record(transaction, account_id, callback_id), send_verification


def delete(transaction: Transaction, account_id: str, callback_id: int) -> None:
    record(transaction, account_id, callback_id)
    transaction.execute("DELETE FROM callbacks WHERE callbackid = ?", (callback_id,))


def search(
    transaction: Transaction, account_id: str, filters: dict[str, Any], window: Window
) -> tuple[list[dict[str, Any]], int]:
    rows = transaction.all(
        "SELECT * FROM callbacks WHERE account_id = ? ORDER BY callbackid", (account_id,)
    )
    wanted = filters.get("event")
    if wanted is not None:
        parent = wanted.split(".", 1)[0]
        rows = [
            row
            for row in rows
            if row["event"] in (wanted, parent) or row["event"].startswith(f"{wanted}.")
        ]
    if "uri" in filters:
        rows = [row for row in rows if row["uri"] == filters["uri"]]
    return [document(row) for row in window.cut(rows)], len(rows)


def subscribed(transaction: Transaction, account_id: str, event_name: str) -> list[dict[str, Any]]:
    """Verified callbacks that should receive ``event_name``."""
    noun = event_name.split(".", 1)[0]
    rows = transaction.all(
        "SELECT * FROM callbacks WHERE account_id = ? AND verified = 1 AND event IN (?, ?) "
        "ORDER BY callbackid",
        (account_id, event_name, noun),
    )
    return [dict(row) for row in rows]
