"""``/auth/api/v1``: the caller's identity and a business's team members (reference §2).

Team members list as ``{"response": [...], "meta": {"page","per_page","total"}}`` (no ``pages``),
default page size 15; ``active=true|false`` filters. The single team member is addressed by its
``uuid``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from sandbox import errors
from sandbox.api.common import authorize, page_window, query_bool, runtime, staff_business
from sandbox.store import identities

blueprint = Blueprint("identity", __name__)


@blueprint.get("/auth/api/v1/users/me")
def me():
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:profile:read")
        return jsonify({"response": identities.me_document(reader, grant.identity_id)})


def _team(business_id: int) -> list[dict]:
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:teams:read")
        staff_business(reader, grant, business_id)
        return [
            identities.team_member_document(member, business_id)
            for member in identities.staff_members(reader, business_id)
        ]


@blueprint.get("/auth/api/v1/businesses/<int:business_id>/team_members")
def team_members(business_id: int):
    members = _team(business_id)
    active = query_bool("active")
    if active is not None:
        members = [member for member in members if member["active"] is active]
    page, per_page, window = page_window(15)
    return jsonify(
        {
            "response": window.cut(members),
            "meta": {"page": page, "per_page": per_page, "total": len(members)},
        }
    )


@blueprint.get("/auth/api/v1/businesses/<int:business_id>/team_members/<member_uuid>")
def team_member(business_id: int, member_uuid: str):
    for member in _team(business_id):
        if member["uuid"] == member_uuid:
            return jsonify({"response": member})
    raise errors.not_found(errors.AUTH)
