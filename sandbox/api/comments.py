"""``/comments/business/{bid}``: services, service rates, project service rates, team member rates
(reference §5.2, §5.3).

Scopes: services and service rates need ``user:billable_items:read|write``; reading team member
rates needs ``user:teams:read``; writing one needs ``user:billable_items:write`` (a billable rate is
a billable item; FreshBooks documents no ``user:teams:write``). A rate that is not set is a 404 in
this family's shape. Service lists default to 50 per page; ``service_rates`` has no ``meta``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from sandbox.api.common import (
    authorize,
    json_body,
    meta,
    page_window,
    runtime,
    staff_business,
)
from sandbox.store import projects, services
from sandbox.validation import wrapped

blueprint = Blueprint("comments", __name__)

BASE = "/comments/business/<int:bid>"


@blueprint.get(f"{BASE}/services")
def list_services(bid: int):
    page, per_page, window = page_window(50)
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:billable_items:read")
        staff_business(reader, grant, bid)
        found, total = services.search(reader, bid, window)
    return jsonify({"services": found, "meta": meta(page, per_page, total)})


@blueprint.post(f"{BASE}/service")
def create_service(bid: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:billable_items:write")
        business = staff_business(transaction, grant, bid)
        service = services.create(
            transaction, business, wrapped(json_body(), "service"), identity_id=grant.identity_id
        )
    return jsonify({"service": service})


@blueprint.get(f"{BASE}/service/<int:service_id>")
def get_service(bid: int, service_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:billable_items:read")
        staff_business(reader, grant, bid)
        service = services.get(reader, bid, service_id)
    return jsonify({"service": service})


@blueprint.put(f"{BASE}/service/<int:service_id>")
def update_service(bid: int, service_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:billable_items:write")
        business = staff_business(transaction, grant, bid)
        service = services.update(
            transaction,
            business,
            service_id,
            wrapped(json_body(), "service"),
            identity_id=grant.identity_id,
        )
    return jsonify({"service": service})


@blueprint.get(f"{BASE}/service/<int:sid>/rate")
def get_service_rate(bid: int, sid: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:billable_items:read")
        staff_business(reader, grant, bid)
        rate = services.service_rate(reader, bid, sid)
    return jsonify({"service_rate": rate})


@blueprint.route(f"{BASE}/service/<int:sid>/rate", methods=["POST", "PUT"])
def set_service_rate(bid: int, sid: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:billable_items:write")
        business = staff_business(transaction, grant, bid)
        rate = services.set_service_rate(
            transaction,
            business,
            sid,
            wrapped(json_body(), "service_rate"),
            identity_id=grant.identity_id,
        )
    return jsonify({"service_rate": rate})


@blueprint.get(f"{BASE}/service_rates")
def list_service_rates(bid: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:billable_items:read")
        staff_business(reader, grant, bid)
        rates = services.service_rates(reader, bid)
    return jsonify({"service_rates": rates})


@blueprint.get(f"{BASE}/project/<int:pid>/service/<int:sid>/rate")
def get_project_service_rate(bid: int, pid: int, sid: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:billable_items:read")
        business = staff_business(reader, grant, bid)
        projects.get(reader, business, pid)
        rate = services.project_service_rate(reader, bid, pid, sid)
    return jsonify({"project_service_rate": rate})


@blueprint.route(f"{BASE}/project/<int:pid>/service/<int:sid>/rate", methods=["POST", "PUT"])
def set_project_service_rate(bid: int, pid: int, sid: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:billable_items:write")
        business = staff_business(transaction, grant, bid)
        projects.get(transaction, business, pid)
        rate = services.set_project_service_rate(
            transaction,
            business,
            pid,
            sid,
            wrapped(json_body(), "project_service_rate"),
            identity_id=grant.identity_id,
        )
    return jsonify({"project_service_rate": rate})


@blueprint.get(f"{BASE}/team_member_rates")
def list_team_member_rates(bid: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:teams:read")
        staff_business(reader, grant, bid)
        rates = services.team_member_rates(reader, bid)
    return jsonify({"team_member_rates": rates})


@blueprint.get(f"{BASE}/team_member_rate/<int:identity_id>")
def get_team_member_rate(bid: int, identity_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:teams:read")
        staff_business(reader, grant, bid)
        rate = services.team_member_rate(reader, bid, identity_id)
    return jsonify({"team_member_rate": rate})


@blueprint.put(f"{BASE}/team_member_rate/<int:identity_id>")
def set_team_member_rate(bid: int, identity_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:billable_items:write")
        staff_business(transaction, grant, bid)
        rate = services.set_team_member_rate(
            transaction, bid, identity_id, wrapped(json_body(), "team_member_rate")
        )
    return jsonify({"team_member_rate": rate})
