"""The facts the planner reads: plain snapshots of the mirrored FreshBooks rows.

Services load these from the database; nothing here knows about Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from invoicing.billing.errors import BillingInputError

BILLING_METHODS = ("business_rate", "project_rate", "service_rate", "team_member_rate")


@dataclass(frozen=True)
class TimeEntryFacts:
    """One FreshBooks time entry; `id` is FreshBooks' id, `team_member_id` its `identity_id`."""

    id: int
    client_id: int | None
    project_id: int | None
    service_id: int | None
    team_member_id: int | None
    started_at: datetime
    duration_seconds: int
    billable: bool = True
    billed: bool = False
    active: bool = True
    is_logged: bool = True
    internal: bool = False
    note: str = ""
    on_open_draft: bool = False

    def __post_init__(self) -> None:
        _check_entry(self.id, self.started_at, self.duration_seconds)

    @classmethod
    def of_row(
        cls,
        id: int,  # noqa: A002 - the field's name
        client_id: int | None,
        project_id: int | None,
        service_id: int | None,
        team_member_id: int | None,
        started_at: datetime,
        duration_seconds: int,
        billable: bool,
        billed: bool,
        active: bool,
        is_logged: bool,
        internal: bool,
        note: str,
        on_open_draft: bool,
    ) -> TimeEntryFacts:
        """The same facts as the constructor gives, with the same checks, built in a fraction
        of its time (a frozen dataclass sets each field through `object.__setattr__`): planning
        makes one per entry of the period."""
        _check_entry(id, started_at, duration_seconds)
        facts = _new_object(cls)
        fields = facts.__dict__
        fields["id"] = id
        fields["client_id"] = client_id
        fields["project_id"] = project_id
        fields["service_id"] = service_id
        fields["team_member_id"] = team_member_id
        fields["started_at"] = started_at
        fields["duration_seconds"] = duration_seconds
        fields["billable"] = billable
        fields["billed"] = billed
        fields["active"] = active
        fields["is_logged"] = is_logged
        fields["internal"] = internal
        fields["note"] = note
        fields["on_open_draft"] = on_open_draft
        return facts


_new_object = object.__new__


# Zones whose every instant has an offset: an entry in one is timezone-aware without asking.
_ALWAYS_AWARE = (timezone, ZoneInfo)


def _check_entry(entry_id: int, started_at: datetime, duration: int) -> None:
    zone = started_at.tzinfo
    if zone is None or (type(zone) not in _ALWAYS_AWARE and started_at.utcoffset() is None):
        raise BillingInputError(f"time entry {entry_id}: started_at must be timezone-aware")
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
        raise BillingInputError(
            f"time entry {entry_id}: duration_seconds must be a non-negative int, got {duration!r}"
        )


CLIENT_ACTIVE = "active"
CLIENT_ARCHIVED = "archived"
CLIENT_DELETED = "deleted"


@dataclass(frozen=True)
class ClientFacts:
    """`status`: active, archived or deleted in FreshBooks (vis_state 0, 2, 1)."""

    id: int
    name: str
    currency_code: str | None = None
    status: str = CLIENT_ACTIVE

    @property
    def active(self) -> bool:
        return self.status == CLIENT_ACTIVE


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    title: str
    client_id: int | None
    billing_method: str | None = None
    rate: Decimal | None = None
    is_fixed_price: bool = False
    internal: bool = False


@dataclass(frozen=True)
class ServiceFacts:
    id: int
    name: str


@dataclass(frozen=True)
class TeamMemberFacts:
    """A FreshBooks team member keyed by `identity_id`, with their billable rate if set."""

    id: int
    name: str
    rate: Decimal | None = None


@dataclass(frozen=True)
class Catalog:
    """Everything the rules look up by id; missing keys mean "not synced"."""

    clients: Mapping[int, ClientFacts] = field(default_factory=dict)
    projects: Mapping[int, ProjectFacts] = field(default_factory=dict)
    services: Mapping[int, ServiceFacts] = field(default_factory=dict)
    team_members: Mapping[int, TeamMemberFacts] = field(default_factory=dict)
    business_service_rates: Mapping[int, Decimal] = field(default_factory=dict)
    project_service_rates: Mapping[tuple[int, int], Decimal] = field(default_factory=dict)

    def service_name(self, service_id: int | None) -> str | None:
        if service_id is None:
            return None
        service = self.services.get(service_id)
        return service.name if service else f"Service #{service_id}"

    def project_title(self, project_id: int | None) -> str | None:
        if project_id is None:
            return None
        project = self.projects.get(project_id)
        return project.title if project else f"Project #{project_id}"

    def team_member_name(self, team_member_id: int | None) -> str | None:
        if team_member_id is None:
            return None
        member = self.team_members.get(team_member_id)
        return member.name if member else f"Team member #{team_member_id}"


@dataclass(frozen=True)
class BusinessFacts:
    """`timezone` from `/me` (None: UTC); `standard_rate` only where the API exposes one."""

    timezone: str | None
    currency_code: str
    standard_rate: Decimal | None = None
