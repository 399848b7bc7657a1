"""Projects (reference §5.1).

Lists carry ``group_id``; single GET, create and update carry ``group`` (all staff of the business),
and single GET adds sibling ``abilities``, as in the recorded bodies. ``billed_status`` is derived
from the project's billable time entries. ``billing_method`` defaults to ``business_rate`` (the
UI's "Standard Rate"); it is null only when a client writes null. ``billed_amount`` stays
``"0.00"``: invoices made through the API do not link lines to projects (``modern_project_id`` is
null), so nothing adds to it.
``logged_duration`` is null unless ``include_logged_duration=true``. DELETE removes the project
from every read (reference: HTTP DELETE, 204); its time entries keep their ``project_id``.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import FieldError, NotFound, ValidationFailed
from sandbox.store import clients, identities, services
from sandbox.store.common import Window, emit
from sandbox.validation import MISSING, Fields, decimal_text, quantity_text

BILLING_METHODS = ("business_rate", "project_rate", "service_rate", "team_member_rate")
# FreshBooks' "Standard Rate": what a project bills at until someone picks another method.
DEFAULT_BILLING_METHOD = "business_rate"
PROJECT_TYPES = ("fixed_price", "hourly_rate")
SORT_FIELDS = ("created_at", "due_date", "title", "updated_at", "id")
ABILITIES = (
    "can_edit",
    "can_archive",
    "can_generate_invoice",
    "can_delete",
    "can_invite_team_member",
    "can_manage_services",
    "can_view_team_time",
    "can_edit_hourly_budget",
    "can_edit_client",
    "can_edit_project_manager",
    "can_view_invoices_tab",
    "can_view_fixed_price",
    "can_edit_fixed_price",
    "can_edit_end_date",
    "can_edit_flat_rate",
    "can_edit_project_type",
    "can_edit_title",
    "can_view_review_tab",
    "can_view_discuss_tab",
    "can_track_time",
    "can_create_comment",
)


def _read_fields(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, creating: bool
) -> dict[str, Any]:
    fields = Fields(payload, "project")
    changes: dict[str, Any] = {
        "title": fields.text("title", required=creating, nullable=False, max_length=255),
        "description": fields.text("description"),
        "client_id": fields.integer("client_id"),
        "internal": fields.boolean("internal"),
        "budget": fields.integer("budget"),
        "fixed_price": fields.decimal("fixed_price"),
        "rate": fields.decimal("rate"),
        "billing_method": fields.choice("billing_method", BILLING_METHODS),
        "project_type": fields.choice("project_type", PROJECT_TYPES, nullable=False),
        "project_manager_id": fields.integer("project_manager_id"),
        "active": fields.boolean("active"),
        "complete": fields.boolean("complete"),
        "expense_markup": fields.decimal("expense_markup", nullable=False),
    }
    due_date = fields.day("due_date")
    if due_date is not MISSING:
        changes["due_date"] = None if due_date is None else due_date.isoformat()
    service_ids = _service_ids(fields)
    if service_ids is not MISSING:
        changes["service_ids"] = service_ids
    fields.check()
    changes = {name: value for name, value in changes.items() if value is not MISSING}

    problems: dict[str, FieldError] = {}
    client_id = changes.get("client_id")
    if client_id is not None and not clients.exists(transaction, business["account_id"], client_id):
        problems["client_id"] = FieldError("unknown", "Client not found", client_id)
    for service_id in changes.get("service_ids", []):
        if not services.exists(transaction, business["business_id"], service_id):
            problems["services"] = FieldError("unknown", f"Service {service_id} not found")
    manager = changes.get("project_manager_id")
    if manager is not None and not identities.staff_role(
        transaction, manager, business["business_id"]
    ):
        problems["project_manager_id"] = FieldError("unknown", "Team member not found", manager)
    if problems:
        raise ValidationFailed(problems, "project")
    for money_field in ("fixed_price", "rate"):
        if changes.get(money_field) is not None:
            changes[money_field] = decimal_text(changes[money_field])
    if "expense_markup" in changes:
        changes["expense_markup"] = quantity_text(changes["expense_markup"])
    return changes


def _service_ids(fields: Fields):
    if not fields.has("services"):
        return MISSING
    raw = fields.payload["services"]
    if raw is None:
        return []
    if not isinstance(raw, list):
        fields.fail("services", "invalid", "Input should be a valid list")
        return MISSING
    service_ids = []
    for item in raw:
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            fields.fail("services", "invalid", "Each service should be an object with an id")
            return MISSING
        if isinstance(value, str) and not value.isdigit():
            fields.fail("services", "invalid", "Each service should be an object with an id")
            return MISSING
        service_ids.append(int(value))
    return service_ids


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    changes = _read_fields(transaction, business, payload, creating=True)
    now = clock.utc_now()
    data = {
        "title": changes["title"],
        "description": None,
        "due_date": None,
        "client_id": None,
        "internal": None,
        "budget": None,
        "fixed_price": None,
        "rate": None,
        "billing_method": DEFAULT_BILLING_METHOD,
        "project_type": "hourly_rate",
        "project_manager_id": None,
        "active": True,
        "complete": False,
        "sample": False,
        "created_at": clock.iso_naive_utc(now),
        "updated_at": clock.iso_naive_utc(now),
        "service_ids": [],
        "retainer_id": None,
        "expense_markup": "0",
    }
    data.update(changes)
    if data["internal"] is None:
        data["internal"] = data["client_id"] is None
    cursor = transaction.execute(
        "INSERT INTO projects (business_id, client_id, updated_at, data) VALUES (?, ?, ?, ?)",
        (business["business_id"], data["client_id"], clock.stamp(now), dumps(data)),
    )
    emit(transaction, business, "project", "create", cursor.lastrowid, identity_id)
    return get(transaction, business, cursor.lastrowid)


def _row(
    transaction: Transaction, business_id: int, project_id: int, *, include_deleted: bool = False
):
    row = transaction.one(
        "SELECT * FROM projects WHERE business_id = ? AND id = ?", (business_id, project_id)
    )
    if row is None or (row["deleted"] and not include_deleted):
        raise NotFound("project", "id", project_id)
    return row


def exists(transaction: Transaction, business_id: int, project_id: int) -> bool:
    try:
        _row(transaction, business_id, project_id)
    except NotFound:
        return False
    return True


def client_of(transaction: Transaction, business_id: int, project_id: int) -> int | None:
    return _row(transaction, business_id, project_id)["client_id"]


def get(
    transaction: Transaction,
    business: dict[str, Any],
    project_id: int,
    *,
    include_logged_duration: bool = False,
    include_deleted: bool = False,
) -> dict[str, Any]:
    row = _row(transaction, business["business_id"], project_id, include_deleted=include_deleted)
    document = _documents(transaction, business, [row], include_logged_duration)[0]
    document.pop("group_id")
    document["group"] = _group(transaction, business)
    return document


def abilities() -> list[dict[str, Any]]:
    return [{"name": name, "value": name != "can_generate_invoice"} for name in ABILITIES]


def _group(transaction: Transaction, business: dict[str, Any]) -> dict[str, Any]:
    members = [
        {
            "id": member["membership_id"],
            "identity_id": member["identity_id"],
            "role": member["role"],
            "first_name": member["first_name"],
            "last_name": member["last_name"],
            "email": member["email"],
            "company": business["name"],
            "active": True,
        }
        for member in identities.staff_members(transaction, business["business_id"])
    ]
    return {"id": business["business_id"] + 320000, "members": members, "pending_invitations": []}


def _documents(
    transaction: Transaction, business: dict[str, Any], rows: list, include_logged_duration: bool
) -> list[dict[str, Any]]:
    if not rows:
        return []
    project_ids = [row["id"] for row in rows]
    totals = {
        total["project_id"]: total
        for total in transaction.all(
            "SELECT project_id, SUM(duration) AS logged, SUM(billable) AS billable, "
            "SUM(billable AND billed) AS billed FROM time_entries "
            "WHERE business_id = ? AND active = 1 "
            "AND project_id IN (SELECT value FROM json_each(?)) GROUP BY project_id",
            (business["business_id"], json.dumps(project_ids)),
        )
    }
    documents = []
    for row in rows:
        data = loads(row["data"])
        total = totals.get(row["id"])
        billable, billed = (total["billable"], total["billed"]) if total else (0, 0)
        if not billed:
            billed_status = "unbilled"
        elif billed >= billable:
            billed_status = "billed"
        else:
            billed_status = "partially_billed"
        logged = (total["logged"] if total else 0) if include_logged_duration else None
        documents.append(
            {
                "id": row["id"],
                "title": data["title"],
                "description": data["description"],
                "due_date": data["due_date"],
                "client_id": data["client_id"],
                "internal": data["internal"],
                "budget": data["budget"],
                "fixed_price": data["fixed_price"],
                "rate": data["rate"],
                "billing_method": data["billing_method"],
                "project_type": data["project_type"],
                "project_manager_id": data["project_manager_id"],
                "active": data["active"],
                "complete": data["complete"],
                "sample": data["sample"],
                "created_at": data["created_at"],
                "updated_at": data["updated_at"],
                "logged_duration": logged,
                "services": services.many(
                    transaction, business["business_id"], data["service_ids"]
                ),
                "billed_amount": "0.00",
                "billed_status": billed_status,
                "retainer_id": data["retainer_id"],
                "expense_markup": data["expense_markup"],
                "group_id": business["business_id"] + 320000,
            }
        )
    return documents


def update(
    transaction: Transaction,
    business: dict[str, Any],
    project_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    row = _row(transaction, business["business_id"], project_id)
    changes = _read_fields(transaction, business, payload, creating=False)
    now = clock.utc_now()
    data = loads(row["data"])
    data.update(changes)
    data["updated_at"] = clock.iso_naive_utc(now)
    transaction.execute(
        "UPDATE projects SET client_id = ?, updated_at = ?, data = ? WHERE id = ?",
        (data["client_id"], clock.stamp(now), dumps(data), project_id),
    )
    emit(transaction, business, "project", "update", project_id, identity_id)
    return get(transaction, business, project_id)


def delete(
    transaction: Transaction, business: dict[str, Any], project_id: int, *, identity_id: int
) -> None:
    _row(transaction, business["business_id"], project_id)
    transaction.execute(
        "UPDATE projects SET deleted = 1, updated_at = ? WHERE id = ?",
        (clock.stamp(clock.utc_now()), project_id),
    )
    emit(transaction, business, "project", "delete", project_id, identity_id)


def search(
    transaction: Transaction,
    business: dict[str, Any],
    filters: dict[str, Any],
    window: Window,
    *,
    sort: str | None = None,
    include_logged_duration: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Filters: ``active``, ``complete``, ``internal`` (bools), ``client_id``,
    ``updated_since`` (aware datetime). ``sort`` is ``field`` or ``-field``."""
    rows = transaction.all(
        "SELECT * FROM projects WHERE business_id = ? AND deleted = 0 ORDER BY id",
        (business["business_id"],),
    )
    matching = []
    for row in rows:
        data = loads(row["data"])
        if any(
            key in filters and data[key] != filters[key]
            for key in ("active", "complete", "internal", "client_id")
        ):
            continue
        if (
            "updated_since" in filters
            and clock.from_stamp(row["updated_at"]) < filters["updated_since"]
        ):
            continue
        matching.append((row, data))
    if sort:
        field = sort.lstrip("-")
        if field in SORT_FIELDS:
            matching.sort(key=lambda pair: _sort_key(pair, field), reverse=sort.startswith("-"))
    page = window.cut([row for row, _data in matching])
    return _documents(transaction, business, page, include_logged_duration), len(matching)


def _sort_key(pair: tuple, field: str) -> tuple:
    row, data = pair
    value = row["id"] if field == "id" else data.get(field)
    return (value is None, value if value is not None else 0, row["id"])
