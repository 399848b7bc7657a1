"""``/timetracking/business/{bid}/time_entries`` (reference §4).

Lists: ``{"time_entries": [...], "meta": {"total", "per_page", "page", "pages", "total_logged",
"total_unbilled"}}``, default page size 30, newest first. Filters (bare keys, not ``search[]``):
``billable``, ``billed``, ``include_deleted``, ``include_unlogged`` (booleans), ``client_id``,
``project_id``, ``identity_id``, ``started_from``, ``started_to``, ``updated_since`` (UTC datetimes;
a bad value is a 422 errno 2001 naming the field). ``team`` is accepted. DELETE answers 204.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from sandbox.api.common import (
    authorize,
    json_body,
    meta,
    only_own,
    page_window,
    query_bool,
    query_datetime,
    query_int,
    runtime,
    staff_business,
)
from sandbox.store import time_entries
from sandbox.validation import wrapped

blueprint = Blueprint("time_entries", __name__)

TIME_ENTRIES = "/timetracking/business/<int:bid>/time_entries"


def _filters() -> dict:
    filters: dict = {}
    for name in ("billable", "billed", "include_deleted", "include_unlogged"):
        value = query_bool(name)
        if value is not None:
            filters[name] = value
    query_bool("team")
    for name in ("client_id", "project_id", "identity_id"):
        value = query_int(name)
        if value is not None:
            filters[name] = value
    for name in ("started_from", "started_to", "updated_since"):
        value = query_datetime(name)
        if value is not None:
            filters[name] = value
    return filters


@blueprint.get(TIME_ENTRIES)
def list_time_entries(bid: int):
    filters = _filters()
    page, per_page, window = page_window(30)
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:time_entries:read")
        business = staff_business(reader, grant, bid)
        found, totals = time_entries.search(
            reader, business, filters, window, only_own=only_own(business, grant)
        )
    return jsonify(
        {
            "time_entries": found,
            "meta": meta(
                page,
                per_page,
                totals["total"],
                total_logged=totals["total_logged"],
                total_unbilled=totals["total_unbilled"],
            ),
        }
    )


@blueprint.post(TIME_ENTRIES)
def create_time_entry(bid: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:time_entries:write")
        business = staff_business(transaction, grant, bid)
        payload = wrapped(json_body(), "time_entry")
        if only_own(business, grant) is not None and isinstance(payload, dict):
            payload = {**payload, "identity_id": grant.identity_id}
        entry = time_entries.create(transaction, business, payload, identity_id=grant.identity_id)
    return jsonify({"time_entry": entry})


@blueprint.get(f"{TIME_ENTRIES}/<int:entry_id>")
def get_time_entry(bid: int, entry_id: int):
    with runtime().db.reading() as reader:
        grant = authorize(reader, "user:time_entries:read")
        business = staff_business(reader, grant, bid)
        entry = time_entries.get(reader, business, entry_id, only_own=only_own(business, grant))
    return jsonify({"time_entry": entry})


@blueprint.put(f"{TIME_ENTRIES}/<int:entry_id>")
def update_time_entry(bid: int, entry_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:time_entries:write")
        business = staff_business(transaction, grant, bid)
        entry = time_entries.update(
            transaction,
            business,
            entry_id,
            wrapped(json_body(), "time_entry"),
            identity_id=grant.identity_id,
            only_own=only_own(business, grant),
        )
    return jsonify({"time_entry": entry})


@blueprint.delete(f"{TIME_ENTRIES}/<int:entry_id>")
def delete_time_entry(bid: int, entry_id: int):
    with runtime().db.transaction() as transaction:
        grant = authorize(transaction, "user:time_entries:write")
        business = staff_business(transaction, grant, bid)
        time_entries.delete(
            transaction,
            business,
            entry_id,
            identity_id=grant.identity_id,
            only_own=only_own(business, grant),
        )
    return Response(status=204)
