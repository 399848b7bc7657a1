"""Small builders so each billing test states only the facts it is about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from invoicing.billing import (
    BillingOptions,
    BillingPlan,
    BusinessFacts,
    Catalog,
    ClientFacts,
    Period,
    ProjectFacts,
    RateRule,
    RoundingPolicy,
    ServiceFacts,
    TeamMemberFacts,
    TimeEntryFacts,
    plan_drafts,
)
from invoicing.billing.taxes import NO_TAX_DEFAULTS, TaxDefaults

ACME, BETA, COBALT = 1, 2, 3
WEBSITE, APP, SUPPORT, RETAINER, LAUNCH, UNPRICED = 10, 11, 12, 13, 14, 15
DESIGN, DEVELOPMENT = 20, 21
ANN, BO = 30, 31

BUSINESS = BusinessFacts(timezone="UTC", currency_code="USD", standard_rate=Decimal("75.00"))
MAY_2024 = Period(date(2024, 5, 1), date(2024, 5, 31))


def standard_catalog() -> Catalog:
    return Catalog(
        clients={
            ACME: ClientFacts(ACME, "Acme", "USD"),
            BETA: ClientFacts(BETA, "Beta Ltd", "CAD"),
            COBALT: ClientFacts(COBALT, "Cobalt", None),
        },
        projects={
            WEBSITE: ProjectFacts(WEBSITE, "Website", ACME, "project_rate", Decimal("100.00")),
            APP: ProjectFacts(APP, "App", ACME, "service_rate"),
            SUPPORT: ProjectFacts(SUPPORT, "Support", ACME, "team_member_rate"),
            RETAINER: ProjectFacts(RETAINER, "Retainer", ACME, "business_rate"),
            LAUNCH: ProjectFacts(LAUNCH, "Launch", ACME, "project_rate", Decimal("100.00"), True),
            UNPRICED: ProjectFacts(UNPRICED, "Unpriced", ACME, None),
        },
        services={
            DESIGN: ServiceFacts(DESIGN, "Design"),
            DEVELOPMENT: ServiceFacts(DEVELOPMENT, "Development"),
        },
        team_members={
            ANN: TeamMemberFacts(ANN, "Ann Lee", Decimal("80.00")),
            BO: TeamMemberFacts(BO, "Bo Chen", None),
        },
        business_service_rates={DESIGN: Decimal("90.00"), DEVELOPMENT: Decimal("110.00")},
        project_service_rates={(APP, DEVELOPMENT): Decimal("120.00")},
    )


def utc(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


def local(day: str, clock: str, zone: str) -> datetime:
    """A wall-clock time in `zone`, given back in UTC as FreshBooks stores it."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def entry(
    entry_id: int,
    *,
    client_id: int | None = ACME,
    project_id: int | None = WEBSITE,
    service_id: int | None = None,
    team_member_id: int | None = None,
    started_at: datetime | None = None,
    minutes: int = 60,
    seconds: int | None = None,
    **flags: object,
) -> TimeEntryFacts:
    return TimeEntryFacts(
        id=entry_id,
        client_id=client_id,
        project_id=project_id,
        service_id=service_id,
        team_member_id=team_member_id,
        started_at=started_at or utc("2024-05-10"),
        duration_seconds=minutes * 60 if seconds is None else seconds,
        **flags,  # type: ignore[arg-type]
    )


def options(
    *,
    grouping: str = "detailed",
    period: Period = MAY_2024,
    increment: int = 0,
    direction: str = "up",
    level: str = "entry",
    unpriced: str = "hold",
    max_lines: int = 400,
    excluded_client_ids: frozenset[int] = frozenset(),
    excluded_project_ids: frozenset[int] = frozenset(),
    excluded_entry_ids: frozenset[int] = frozenset(),
    expenses: str = "all",
) -> BillingOptions:
    return BillingOptions(
        period=period,
        grouping=grouping,
        rounding=RoundingPolicy(increment, direction, level),
        unpriced=unpriced,
        max_lines=max_lines,
        excluded_client_ids=excluded_client_ids,
        excluded_project_ids=excluded_project_ids,
        excluded_entry_ids=excluded_entry_ids,
        expenses=expenses,
    )


def plan(
    entries: list[TimeEntryFacts],
    *,
    catalog: Catalog | None = None,
    rules: list[RateRule] | None = None,
    business: BusinessFacts = BUSINESS,
    taxes: TaxDefaults = NO_TAX_DEFAULTS,
    **option_values: object,
) -> BillingPlan:
    return plan_drafts(
        entries=entries,
        catalog=catalog or standard_catalog(),
        rules=rules or [],
        options=options(**option_values),  # type: ignore[arg-type]
        business=business,
        business_key="business-8675309",
        taxes=taxes,
    )
