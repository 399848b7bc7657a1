"""``/projects/business/{bid}``: projects (reference §5.1).

Lists: ``{"projects": [...], "meta": {"sort": [...], "total", "per_page", "page", "pages"}}``,
default page size 30, filters ``active``, ``complete``, ``internal``, ``client_id``,
``updated_since``, ``include_logged_duration``; ``sort=field`` or ``sort=-field`` over
``created_at``, ``due_date``, ``title``, ``updated_at`` (``meta.sort`` echoes what was asked, even
an unknown field, as FreshBooks does). The single GET also answers at ``/projects/{id}``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from sandbox.api.common import (
    authorize,
    json_body,
    meta,
    page_window,
    query_bool,
    query_datetime,
    query_int,
    runtime,
    staff_business,
)
from sandbox.store import projects
from sandbox.validation import wrapped

blueprint = Blueprint("projects", __name__)

BASE = "/projects/business/<int:bid>"


@blueprint.get(f"{BASE}/projects")
def list_projects(bid: int):
    filters = {}
    for name in ("active", "complete", "internal"):
        value = query_bool(name)
        if value is not None:
            filters[name] = value
    client_id = query_int("client_id")
    if client_id is not None:
        filters["client_id"] = client_id
    updated_since = query_datetime("updated_since")
    if updated_since is not None:
        filters["updated_since"] = updated_since
    with_logged = bool(query_bool("include_logged_duration"))
    sort = request.args.get("sort")
    page, per_page, window = page_window(30)
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:projects:read")
        business = staff_business(reader, grant, bid)
        found, total = projects.search(
            reader, business, filters, window, sort=sort, include_logged_duration=with_logged
        )
    return jsonify(
        {"projects": found, "meta": {"sort": [sort] if sort else [], **meta(page, per_page, total)}}
    )


@blueprint.post(f"{BASE}/project")
def create_project(bid: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:projects:write")
        business = staff_business(transaction, grant, bid)
        project = projects.create(
            transaction, business, wrapped(json_body(), "project"), identity_id=grant.identity_id
        )
    return jsonify({"project": project})


@blueprint.get(f"{BASE}/project/<int:project_id>")
@blueprint.get(f"{BASE}/projects/<int:project_id>")
def get_project(bid: int, project_id: int):
    with_logged = bool(query_bool("include_logged_duration"))
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:projects:read")
        business = staff_business(reader, grant, bid)
        project = projects.get(reader, business, project_id, include_logged_duration=with_logged)
    return jsonify({"project": project, "abilities": projects.abilities()})


@blueprint.put(f"{BASE}/project/<int:project_id>")
def update_project(bid: int, project_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:projects:write")
        business = staff_business(transaction, grant, bid)
        project = projects.update(
            transaction,
            business,
            project_id,
            wrapped(json_body(), "project"),
            identity_id=grant.identity_id,
        )
    return jsonify({"project": project})


@blueprint.delete(f"{BASE}/project/<int:project_id>")
def delete_project(bid: int, project_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:projects:write")
        business = staff_business(transaction, grant, bid)
        projects.delete(transaction, business, project_id, identity_id=grant.identity_id)
    return Response(status=204)
