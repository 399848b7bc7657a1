"""Accounting clients (reference §6).

- ``id`` and ``userid`` are the same number: the ``customerid`` of invoices and the ``client_id`` of
  projects and time entries.
- Creating needs one of ``fname``, ``lname``, ``email``, ``organization`` (errno 7012); an empty
  ``organization`` is filled from the name, else the email, as the recorded create response shows.
- A PUT carrying ``vis_state`` applies only ``vis_state``; ``vis_state: 1`` is the delete.
- Lists show ``vis_state`` 0 and 2 unless ``search[vis_state]`` asks otherwise.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store.common import Window, emit
from sandbox.validation import MISSING, Fields, money_text

TEXT_FIELDS = (
    "fname",
    "lname",
    "organization",
    "email",
    "bus_phone",
    "mob_phone",
    "fax",
    "p_street",
    "p_street2",
    "p_city",
    "p_province",
    "p_code",
    "p_country",
    "s_street",
    "s_street2",
    "s_city",
    "s_province",
    "s_code",
    "s_country",
)
NULLABLE_TEXT_FIELDS = ("home_phone", "note", "vat_name", "vat_number", "company_industry")
BOOLEAN_FIELDS = ("pref_email", "pref_gmail", "allow_late_fees", "allow_late_notifications")
VIS_STATES = (0, 1, 2)
_ADDRESS_PARTS = ("street", "street2", "city", "province", "code", "country")


def _read_fields(payload: Any, *, creating: bool) -> dict[str, Any]:
    fields = Fields(payload, "client")
    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = fields.text(name)
        if value is not MISSING:
            changes[name] = value or ""
    for name in NULLABLE_TEXT_FIELDS:
        value = fields.text(name)
        if value is not MISSING:
            changes[name] = value
    for name in BOOLEAN_FIELDS:
        value = fields.boolean(name)
        if value is not MISSING:
            changes[name] = value
    currency = fields.text("currency_code", nullable=False, max_length=3)
    if currency is not MISSING:
        if len(currency) != 3 or not currency.isalpha():
            fields.fail("currency_code", "invalid", "Invalid currency code.", currency)
        else:
            changes["currency_code"] = currency.upper()
    language = fields.text("language", nullable=False, max_length=5)
    if language is not MISSING:
        changes["language"] = language
    fields.check()
    if creating and not any(
        changes.get(name) for name in ("fname", "lname", "email", "organization")
    ):
        raise ValidationFailed(
            {
                "__root__": FieldError(
                    "client_name",
                    "Client must have at least one of a first name, last name, email or "
                    "organization.",
                )
            },
            "client",
        )
    return changes


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    changes = _read_fields(payload, creating=True)
    now = clock.utc_now()
    document: dict[str, Any] = {
        "accounting_systemid": business["account_id"],
        "allow_email_include_pdf": False,
        "allow_late_fees": True,
        "allow_late_notifications": True,
        "bus_phone": "",
        "company_industry": None,
        "company_size": None,
        "currency_code": business["currency_code"],
        "direct_link_token": None,
        "email": "",
        "fax": "",
        "fname": "",
        "has_retainer": None,
        "home_phone": None,
        "id": None,
        "language": "en",
        "last_activity": None,
        "last_login": None,
        "level": 0,
        "lname": "",
        "mob_phone": "",
        "note": None,
        "notified": False,
        "num_logins": 0,
        "organization": "",
        **{f"{prefix}_{part}": "" for prefix in ("p", "s") for part in _ADDRESS_PARTS},
        "pref_email": True,
        "pref_gmail": False,
        "retainer_id": None,
        "role": "client",
        "signup_date": clock.utc_text(now),
        "statement_token": None,
        "subdomain": None,
        "updated": clock.eastern(now),
        "userid": None,
        "username": "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(10)
        ),
        "uuid": str(uuid.uuid4()),
        "vat_name": None,
        "vat_number": None,
        "vis_state": 0,
    }
    document.update(changes)
    if not document["organization"]:
        full_name = f"{document['fname']} {document['lname']}".strip()
        document["organization"] = full_name or document["email"]
    cursor = transaction.execute(
        "INSERT INTO clients (account_id, vis_state, updated_at, data) VALUES (?, 0, ?, '{}')",
        (business["account_id"], clock.stamp(now)),
    )
    document["id"] = document["userid"] = cursor.lastrowid
    _save(transaction, document, now)
    emit(transaction, business, "client", "create", cursor.lastrowid, identity_id)
    return document


def _save(transaction: Transaction, document: dict[str, Any], now) -> None:
    transaction.execute(
        "UPDATE clients SET vis_state = ?, updated_at = ?, data = ? WHERE id = ?",
        (document["vis_state"], clock.stamp(now), dumps(document), document["id"]),
    )


def get(transaction: Transaction, account_id: str, client_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT data FROM clients WHERE account_id = ? AND id = ?", (account_id, client_id)
    )
    if row is None:
        raise NotFound("client", "userid", client_id)
    return loads(row["data"])


def exists(transaction: Transaction, account_id: str | None, client_id: int) -> bool:
    return account_id is not None and bool(
        transaction.one(
            "SELECT 1 FROM clients WHERE account_id = ? AND id = ? AND vis_state != 1",
            (account_id, client_id),
        )
    )


def update(
    transaction: Transaction,
    business: dict[str, Any],
    client_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    document = get(transaction, business["account_id"], client_id)
    now = clock.utc_now()
    verb = "update"
    if isinstance(payload, dict) and "vis_state" in payload:
        fields = Fields(payload, "client")
        vis_state = fields.choice("vis_state", VIS_STATES, nullable=False)
        fields.check()
        if vis_state == 1 and document["vis_state"] != 1:
            verb = "delete"
        document["vis_state"] = vis_state
    else:
        document.update(_read_fields(payload, creating=False))
    document["updated"] = clock.eastern(now)
    _save(transaction, document, now)
    emit(transaction, business, "client", verb, client_id, identity_id)
    return document


def search(
    transaction: Transaction, account_id: str, filters: dict[str, Any], window: Window
) -> tuple[list[dict[str, Any]], int]:
    """Filters: ``email``, ``username``, ``userids``, ``vis_state``, ``<field>_like``,
    ``updated_min``/``updated_max`` (aware datetimes). Unknown keys never reach here."""
    rows = transaction.all(
        "SELECT data, updated_at FROM clients WHERE account_id = ? ORDER BY id", (account_id,)
    )
    vis_states = {filters["vis_state"]} if "vis_state" in filters else {0, 2}
    matches = []
    for row in rows:
        client = loads(row["data"])
        if client["vis_state"] not in vis_states:
            continue
        if "email" in filters and client["email"].lower() != filters["email"].lower():
            continue
        if "username" in filters and client["username"] != filters["username"]:
            continue
        if "userids" in filters and client["id"] not in filters["userids"]:
            continue
        if not all(
            needle.lower() in (client.get(field) or "").lower()
            for field, needle in filters.get("like", {}).items()
        ):
            continue
        updated = clock.from_stamp(row["updated_at"])
        if "updated_min" in filters and updated < filters["updated_min"]:
            continue
        if "updated_max" in filters and updated > filters["updated_max"]:
            continue
        matches.append(client)
    return window.cut(matches), len(matches)


def balances(transaction: Transaction, account_id: str, client_id: int) -> dict[str, list]:
    """The ``outstanding_balance`` and ``grand_total_balance`` includes, per currency."""
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    grand_total: dict[str, Decimal] = defaultdict(Decimal)
    rows = transaction.all(
        "SELECT data FROM invoices WHERE account_id = ? AND customerid = ? AND vis_state != 1",
        (account_id, client_id),
    )
    for row in rows:
        invoice = loads(row["data"])
        if invoice["status"] == 1:
            continue
        code = invoice["currency_code"]
        outstanding[code] += Decimal(invoice["outstanding"]["amount"])
        grand_total[code] += Decimal(invoice["amount"]["amount"])

    def as_list(totals: dict[str, Decimal]) -> list[dict]:
        return [
            {"amount": {"amount": money_text(amount), "code": code}}
            for code, amount in sorted(totals.items())
            if amount
        ]

    return {
        "outstanding_balance": as_list(outstanding),
        "grand_total_balance": as_list(grand_total),
    }
