"""Request and response bodies of the REST API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints, model_validator

from invoicing.hours.checks import MAX_EXTERNAL_ID, MAX_NOTE

MAX_ENTRIES_PER_REQUEST = 500
Reference = int | Annotated[str, StringConstraints(min_length=1, max_length=255)]
FreshBooksId = Annotated[int, Field(ge=1, le=2**62)]


class BusinessOut(Schema):
    id: int = Field(description="This app's id of the connected business; use it in `business`.")
    name: str
    freshbooks_business_id: int
    currency_code: str
    timezone: str


class HoursIn(Schema):
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXTERNAL_ID)] = (
        Field(description="Your own id for the entry: the same id again updates it while unbilled.")
    )
    client: Reference = Field(
        description="FreshBooks client id, or the client's email or organisation name."
    )
    project: Reference | None = Field(None, description="Project id or title, of that client.")
    service: Reference | None = Field(None, description="Service id or name.")
    team_member: Reference | None = Field(
        None, description="Team member's FreshBooks identity id, email or name."
    )
    start: AwareDatetime = Field(description="ISO 8601 with a UTC offset.")
    duration: int | None = Field(
        None, ge=-(2**31), le=2**31, description="Seconds; give this or `end`."
    )
    end: AwareDatetime | None = Field(None, description="ISO 8601 with an offset; or `duration`.")
    note: Annotated[str, StringConstraints(max_length=MAX_NOTE)] = ""
    billable: bool = True

    @model_validator(mode="after")
    def duration_or_end(self) -> HoursIn:
        if (self.duration is None) == (self.end is None):
            raise ValueError("Give either `duration` (seconds) or `end`, not both and not neither.")
        return self


class HoursPush(Schema):
    business: FreshBooksId = Field(description="The business's id from GET /businesses.")
    entries: list[HoursIn] = Field(min_length=1, max_length=MAX_ENTRIES_PER_REQUEST)


class MatchOut(Schema):
    id: int
    name: str
    matched_by: str = Field(description="How the reference was matched: id, email or name.")


class HoursOut(Schema):
    id: int
    business: int
    source: str
    source_label: str
    external_id: str
    freshbooks_id: int | None = Field(description="FreshBooks' id, for FreshBooks' own entries.")
    client_id: int | None
    project_id: int | None
    service_id: int | None
    team_member_id: int | None
    start: datetime
    duration: int
    note: str
    billable: bool
    billed: bool


class StoredEntryOut(Schema):
    entry: HoursOut
    client: MatchOut
    project: MatchOut | None
    service: MatchOut | None
    team_member: MatchOut | None


class PushOut(Schema):
    added: int
    updated: int
    unchanged: int
    entries: list[StoredEntryOut]


class HoursPage(Schema):
    items: list[HoursOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str | list[FieldError]
