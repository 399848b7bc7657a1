"""Services and the three kinds of rates (reference §5.2, §5.3).

Rates are decimal strings. Choices where the reference is silent: ``vis_state: 1`` deletes a
service (deleted services leave lists and single GETs); setting a business service rate raises
``service.update`` and a project service rate ``project.update`` (FreshBooks has no rate events);
team member rates raise none.
"""

from __future__ import annotations

from typing import Any

from sandbox import clock
from sandbox.db import Transaction, dumps, loads
from sandbox.errors import NotFound
from sandbox.store import identities
from sandbox.store.common import Window, emit
from sandbox.validation import MISSING, Fields, decimal_text


def _document(row) -> dict[str, Any]:
    data = loads(row["data"])
    return {
        "business_id": row["business_id"],
        "id": row["id"],
        "name": data["name"],
        "billable": data["billable"],
        "vis_state": row["vis_state"],
    }


def create(
    transaction: Transaction, business: dict[str, Any], payload: Any, *, identity_id: int
) -> dict[str, Any]:
    fields = Fields(payload, "service")
    name = fields.text("name", required=True, nullable=False, max_length=255)
    billable = fields.boolean("billable")
    fields.check()
    data = {"name": name, "billable": True if billable is MISSING else billable}
    cursor = transaction.execute(
        "INSERT INTO services (business_id, vis_state, updated_at, data) VALUES (?, 0, ?, ?)",
        (business["business_id"], clock.stamp(clock.utc_now()), dumps(data)),
    )
    emit(transaction, business, "service", "create", cursor.lastrowid, identity_id)
    return get(transaction, business["business_id"], cursor.lastrowid)


def get(transaction: Transaction, business_id: int, service_id: int) -> dict[str, Any]:
    row = transaction.one(
        "SELECT * FROM services WHERE business_id = ? AND id = ? AND vis_state != 1",
        (business_id, service_id),
    )
    if row is None:
        raise NotFound("service", "id", service_id)
    return _document(row)


def any_state(transaction: Transaction, business_id: int, service_id: int) -> dict[str, Any]:
    """The service even when deleted (for the control API's state readers)."""
    row = transaction.one(
        "SELECT * FROM services WHERE business_id = ? AND id = ?", (business_id, service_id)
    )
    if row is None:
        raise NotFound("service", "id", service_id)
    return _document(row)


def exists(transaction: Transaction, business_id: int, service_id: int) -> bool:
    try:
        get(transaction, business_id, service_id)
    except NotFound:
        return False
    return True


def update(
    transaction: Transaction,
    business: dict[str, Any],
    service_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    current = get(transaction, business["business_id"], service_id)
    fields = Fields(payload, "service")
    name = fields.text("name", nullable=False, max_length=255)
    billable = fields.boolean("billable")
    vis_state = fields.choice("vis_state", (0, 1), nullable=False)
    fields.check()
    data = {
        "name": current["name"] if name is MISSING else name,
        "billable": current["billable"] if billable is MISSING else billable,
    }
    new_vis_state = current["vis_state"] if vis_state is MISSING else vis_state
    transaction.execute(
        "UPDATE services SET vis_state = ?, updated_at = ?, data = ? WHERE id = ?",
        (new_vis_state, clock.stamp(clock.utc_now()), dumps(data), service_id),
    )
    verb = "delete" if new_vis_state == 1 else "update"
    emit(transaction, business, "service", verb, service_id, identity_id)
    if new_vis_state == 1:
        return {**current, **data, "vis_state": 1}
    return get(transaction, business["business_id"], service_id)


def delete(
    transaction: Transaction, business: dict[str, Any], service_id: int, *, identity_id: int
) -> dict[str, Any]:
    return update(transaction, business, service_id, {"vis_state": 1}, identity_id=identity_id)


def search(
    transaction: Transaction, business_id: int, window: Window
) -> tuple[list[dict[str, Any]], int]:
    total = transaction.one(
        "SELECT COUNT(*) FROM services WHERE business_id = ? AND vis_state != 1", (business_id,)
    )[0]
    rows = transaction.all(
        "SELECT * FROM services WHERE business_id = ? AND vis_state != 1 ORDER BY id "
        "LIMIT ? OFFSET ?",
        (business_id, window.limit, window.offset),
    )
    return [_document(row) for row in rows], total


def many(transaction: Transaction, business_id: int, service_ids: list[int]) -> list[dict]:
    found = []
    for service_id in service_ids:
        try:
            found.append(get(transaction, business_id, service_id))
        except NotFound:
            continue
    return found


def _read_rate(payload: Any, object_name: str):
    fields = Fields(payload, object_name)
    rate = fields.decimal("rate", required=True, nullable=False)
    fields.check()
    return decimal_text(rate)


# Business-wide service rates.


def service_rate(transaction: Transaction, business_id: int, service_id: int) -> dict[str, Any]:
    get(transaction, business_id, service_id)
    row = transaction.one(
        "SELECT rate FROM service_rates WHERE business_id = ? AND service_id = ?",
        (business_id, service_id),
    )
    if row is None:
        raise NotFound("service_rate", "service_id", service_id)
    return {"business_id": business_id, "service_id": service_id, "rate": row["rate"]}


def set_service_rate(
    transaction: Transaction,
    business: dict[str, Any],
    service_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    business_id = business["business_id"]
    get(transaction, business_id, service_id)
    rate = _read_rate(payload, "service_rate")
    transaction.execute(
        "INSERT INTO service_rates (business_id, service_id, rate) VALUES (?, ?, ?) "
        "ON CONFLICT (business_id, service_id) DO UPDATE SET rate = excluded.rate",
        (business_id, service_id, rate),
    )
    emit(transaction, business, "service", "update", service_id, identity_id)
    return service_rate(transaction, business_id, service_id)


def service_rates(transaction: Transaction, business_id: int) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT r.service_id, r.rate FROM service_rates r JOIN services s ON s.id = r.service_id "
        "WHERE r.business_id = ? AND s.vis_state != 1 ORDER BY r.service_id",
        (business_id,),
    )
    return [
        {"business_id": business_id, "service_id": row["service_id"], "rate": row["rate"]}
        for row in rows
    ]


# Project-specific service rates.


def project_service_rate(
    transaction: Transaction, business_id: int, project_id: int, service_id: int
) -> dict[str, Any]:
    row = transaction.one(
        "SELECT rate FROM project_service_rates WHERE business_id = ? AND project_id = ? "
        "AND service_id = ?",
        (business_id, project_id, service_id),
    )
    if row is None:
        raise NotFound("project_service_rate", "service_id", service_id)
    return {
        "rate": row["rate"],
        "service_id": service_id,
        "project_id": project_id,
        "business_id": business_id,
    }


def set_project_service_rate(
    transaction: Transaction,
    business: dict[str, Any],
    project_id: int,
    service_id: int,
    payload: Any,
    *,
    identity_id: int,
) -> dict[str, Any]:
    business_id = business["business_id"]
    get(transaction, business_id, service_id)
    rate = _read_rate(payload, "project_service_rate")
    transaction.execute(
        "INSERT INTO project_service_rates (business_id, project_id, service_id, rate) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, service_id) DO UPDATE SET rate = "
        "excluded.rate",
        (business_id, project_id, service_id, rate),
    )
    emit(transaction, business, "project", "update", project_id, identity_id)
    return project_service_rate(transaction, business_id, project_id, service_id)


# Team member (billable) rates.


def team_member_rates(transaction: Transaction, business_id: int) -> list[dict[str, Any]]:
    rows = transaction.all(
        "SELECT identity_id, rate FROM team_member_rates WHERE business_id = ? "
        "ORDER BY identity_id",
        (business_id,),
    )
    return [
        {"rate": row["rate"], "identity_id": row["identity_id"], "business_id": business_id}
        for row in rows
    ]


def team_member_rate(
    transaction: Transaction, business_id: int, identity_id: int
) -> dict[str, Any]:
    row = transaction.one(
        "SELECT rate FROM team_member_rates WHERE business_id = ? AND identity_id = ?",
        (business_id, identity_id),
    )
    if row is None:
        raise NotFound("team_member_rate", "identity_id", identity_id)
    return {"rate": row["rate"], "identity_id": identity_id, "business_id": business_id}


def set_team_member_rate(
    transaction: Transaction, business_id: int, identity_id: int, payload: Any
) -> dict[str, Any]:
    if identities.staff_role(transaction, identity_id, business_id) is None:
        raise NotFound("team_member", "identity_id", identity_id)
    rate = _read_rate(payload, "team_member_rate")
    transaction.execute(
        "INSERT INTO team_member_rates (business_id, identity_id, rate) VALUES (?, ?, ?) "
        "ON CONFLICT (business_id, identity_id) DO UPDATE SET rate = excluded.rate",
        (business_id, identity_id, rate),
    )
    return team_member_rate(transaction, business_id, identity_id)
