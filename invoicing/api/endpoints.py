"""The API's operations: thin, over `invoicing.hours` (writes) and selectors (reads)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError
from pydantic import AwareDatetime, Field

from connections.selectors import businesses_for_user
from integration_app.untrusted_text import storable_text
from invoicing.api.auth import PersonalToken
from invoicing.api.schemas import (
    BusinessOut,
    ErrorOut,
    HoursIn,
    HoursPage,
    HoursPush,
    PushOut,
)
from invoicing.hours.checks import HoursInput
from invoicing.hours.matching import HoursCatalog, Match, Unmatched
from invoicing.hours.services import HoursLocked, HoursRejected, hours_delete, hours_upsert
from invoicing.models import TimeEntry
from invoicing.selectors.hours import BadCursor, HoursFilters, hours_page, user_hours

api = NinjaAPI(
    title="FreshBooks billing API",
    version="1",
    description=(
        "Push billable hours from outside FreshBooks (your own product, Toggl, Harvest, …) so "
        "they are billed with FreshBooks' own time. Authenticate with a personal token from "
        "the account page: `Authorization: Bearer fbb_…`."
    ),
    auth=PersonalToken(),
    urls_namespace="api_v1",
    docs_url=None,
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LOCKED_WORDS = ("already billed", "on a draft invoice")
ObjectId = Annotated[int, Field(ge=1, le=2**62)]


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(
        request, {"detail": "A valid API token is required (Authorization: Bearer …)."}, status=401
    )


def _error(field_path: list[str | int], message: str) -> dict[str, Any]:
    return {"loc": field_path, "msg": message}


def hours_out(row: TimeEntry) -> dict[str, Any]:
    return {
        "id": row.pk,
        "business": row.business_id,
        "source": row.source,
        "source_label": row.source_label,
        "external_id": row.external_id,
        "freshbooks_id": None if row.is_outside else row.freshbooks_id,
        "client_id": row.client_freshbooks_id,
        "project_id": row.project_freshbooks_id,
        "service_id": row.service_freshbooks_id,
        "team_member_id": row.identity_id,
        "start": row.started_at,
        "duration": row.duration_seconds,
        "note": row.note,
        "billable": row.billable,
        "billed": row.billed,
    }


def _match_out(match: Match | None) -> dict[str, Any] | None:
    return (
        None
        if match is None
        else {"id": match.id, "name": match.name, "matched_by": match.matched_by}
    )


@api.get("/businesses", response={200: list[BusinessOut], 401: ErrorOut}, tags=["businesses"])
def businesses_list(request):
    """The businesses you connected, with the id to push hours to."""
    return [
        {
            "id": business.pk,
            "name": business.name,
            "freshbooks_business_id": business.business_id,
            "currency_code": business.currency_code,
            "timezone": business.timezone or "UTC",
        }
        for business in businesses_for_user(request.auth)
    ]


def _matched(catalog: HoursCatalog, entry: HoursIn) -> tuple[dict[str, Match | None], dict]:
    """The entry's matches, and its problems by field."""
    matches: dict[str, Match | None] = {"project": None, "service": None, "team_member": None}
    problems: dict[str, str] = {}
    try:
        matches["client"] = catalog.client(entry.client)
    except Unmatched as error:
        problems["client"] = str(error)
    for field_name in ("service", "team_member"):
        ref = getattr(entry, field_name)
        if ref is not None:
            try:
                matches[field_name] = getattr(catalog, field_name)(ref)
            except Unmatched as error:
                problems[field_name] = str(error)
    client = matches.get("client")
    if entry.project is not None and client is not None:
        try:
            matches["project"] = catalog.project(entry.project, client_id=client.id)
        except Unmatched as error:
            problems["project"] = str(error)
    return matches, problems


def _duration(entry: HoursIn) -> int:
    if entry.duration is not None:
        return entry.duration
    assert entry.end is not None  # the schema requires one of the two
    return int((entry.end - entry.start).total_seconds())


@api.post("/hours", response={200: PushOut, **ERRORS}, tags=["hours"])
def hours_push(request, body: HoursPush):
    """Add or update up to 500 entries, all or none. The same `external_id` again updates its
    entry while it is unbilled; once billed (or on a draft) it is refused with 409."""
    business = businesses_for_user(request.auth).filter(pk=body.business).first()
    if business is None:
        return Status(404, {"detail": "No business with this id is connected to your account."})
    catalog = HoursCatalog(business)
    inputs: list[HoursInput] = []
    all_matches = []
    errors = []
    for position, entry in enumerate(body.entries):
        matches, problems = _matched(catalog, entry)
        for field_name, message in problems.items():
            errors.append(_error(["body", "entries", position, field_name], message))
        all_matches.append(matches)
        client = matches.get("client")
        inputs.append(
            HoursInput(
                external_id=entry.external_id,
                client_id=client.id if client else 0,
                project_id=_id(matches["project"]),
                service_id=_id(matches["service"]),
                team_member_id=_id(matches["team_member"]),
                started_at=entry.start,
                duration_seconds=_duration(entry),
                note=entry.note,
                billable=entry.billable,
            )
        )
    if errors:
        return Status(422, {"detail": errors})
    try:
        stored = hours_upsert(business=business, source="api", entries=inputs, user=request.auth)
    except HoursRejected as rejected:
        fields = {"duration": "duration", "start": "start"}
        detail = [
            _error(["body", "entries", position, fields.get(name, name)], message)
            for position, found in sorted(rejected.problems.items())
            for name, message in found.items()
        ]
        locked = any(word in item["msg"] for item in detail for word in LOCKED_WORDS)
        return Status(409 if locked else 422, {"detail": detail})
    by_external_id = {row.external_id: row for row in stored.entries}
    return Status(
        200,
        {
            "added": stored.added,
            "updated": stored.updated,
            "unchanged": stored.unchanged,
            "entries": [
                {
                    "entry": hours_out(by_external_id[storable_text(row.external_id)]),
                    **{name: _match_out(match) for name, match in matches.items()},
                }
                for row, matches in zip(inputs, all_matches, strict=True)
            ],
        },
    )


def _id(match: Match | None) -> int | None:
    return match.id if match else None


@api.get("/hours", response={200: HoursPage, **ERRORS}, tags=["hours"])
def hours_list(
    request,
    business: Annotated[int | None, Query(None, ge=1, le=2**62)] = None,
    started_after: Annotated[AwareDatetime | None, Query(None)] = None,
    started_before: Annotated[AwareDatetime | None, Query(None)] = None,
    billed: bool | None = None,
    source: Literal["freshbooks", "api", "csv", "manual"] | None = None,
    cursor: Annotated[str | None, Query(None, max_length=64)] = None,
    limit: Annotated[int, Query(100, ge=1, le=500)] = 100,
):
    """Time entries of your businesses (FreshBooks' own and outside hours), oldest first; follow
    `next_cursor` for the next page."""
    if business is not None and not businesses_for_user(request.auth).filter(pk=business).exists():
        return Status(404, {"detail": "No business with this id is connected to your account."})
    filters = HoursFilters(
        business_id=business,
        started_after=_checked(started_after),
        started_before=_checked(started_before),
        billed=billed,
        source=source,
    )
    try:
        rows, next_cursor = hours_page(request.auth, filters, cursor=cursor, limit=limit)
    except BadCursor as error:
        return Status(400, {"detail": str(error)})
    return Status(200, {"items": [hours_out(row) for row in rows], "next_cursor": next_cursor})


EARLIEST_FILTER = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_FILTER = datetime(2200, 1, 1, tzinfo=UTC)


def _checked(value: datetime | None) -> datetime | None:
    """Dates PostgreSQL cannot hold are clamped to the range hours may have, in UTC: an offset
    beyond PostgreSQL's ±15:59 (ISO 8601 allows up to ±23:59) would fail the query."""
    if value is None:
        return None
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved past the calendar by its offset
        return EARLIEST_FILTER if value.year < 2000 else LATEST_FILTER
    return min(max(in_utc, EARLIEST_FILTER), LATEST_FILTER)


@api.delete("/hours/{entry_id}", response={204: None, **ERRORS}, tags=["hours"])
def hours_remove(request, entry_id: Annotated[int, Path(ge=1, le=2**62)]):
    """Delete an unbilled entry you pushed or imported (FreshBooks' own: delete in FreshBooks)."""
    row = user_hours(request.auth, HoursFilters()).filter(pk=entry_id).first()
    if row is None:
        return Status(404, {"detail": "No time entry with this id in your businesses."})
    if not row.is_outside:
        return Status(409, {"detail": "This entry comes from FreshBooks; delete it there."})
    try:
        hours_delete(business=row.business, entry_id=row.pk)
    except HoursLocked as error:
        return Status(409, {"detail": str(error)})
    return Status(204, None)
