"""The facts the planner reads: plain snapshots of the mirrored FreshBooks rows.

Services load these from the database; nothing here knows about Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

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
        if self.started_at.tzinfo is None or self.started_at.utcoffset() is None:
            raise BillingInputError(f"time entry {self.id}: started_at must be timezone-aware")
        duration = self.duration_seconds
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
            raise BillingInputError(
                f"time entry {self.id}: duration_seconds must be a non-negative int, "
                f"got {duration!r}"
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
