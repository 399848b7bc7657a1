"""Which hourly rate an entry is billed at, and where that rate came from.

Order (billing.md):

1. Local rate rules for the entry's client. A rule names the client and optionally a project, a
   service and a team member; it matches when every dimension it names equals the entry's, and
   the entry's local start date lies within `valid_from`..`valid_to` (inclusive, open ends
   allowed). Among matching rules the most specific wins: more named dimensions first; on equal
   count, project beats service beats team member (so project+service > project+member >
   service+member, and project > service > member). Two matching rules with the same dimensions
   are settled by the later `valid_from` (the newer rule supersedes), then the higher id.
2. The FreshBooks project's `billing_method`: `project_rate` -> project rate; `service_rate` ->
   project-specific service rate, else business service rate; `team_member_rate` -> the team
   member's billable rate; `business_rate` -> the business standard rate when known.
3. Otherwise: no rate.

Decision: an entry without a project has no billing method, so only rate rules can price it
(billing.md step 2 is about the project). We do not guess a service or standard rate for it;
the preview says "add a rate rule for this client" instead, so no time is billed at a rate
nobody chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.inputs import BusinessFacts, Catalog, TimeEntryFacts
from invoicing.billing.money import to_decimal


class RateSourceKind(StrEnum):
    RATE_RULE = "rate_rule"
    PROJECT_RATE = "project_rate"
    PROJECT_SERVICE_RATE = "project_service_rate"
    BUSINESS_SERVICE_RATE = "business_service_rate"
    TEAM_MEMBER_RATE = "team_member_rate"
    BUSINESS_RATE = "business_rate"
    NONE = "none"


class RateFix(StrEnum):
    """Where an unpriced entry's rate is set: what the preview's "fix" link points at."""

    RATE_RULE = "rate_rule"  # a local rate rule for the client (entries without a project)
    PROJECT_RATE = "project_rate"
    SERVICE_RATE = "service_rate"  # the project's rate for the service, or the service's rate
    TEAM_MEMBER_RATE = "team_member_rate"
    STANDARD_RATE = "standard_rate"  # the business standard rate in the billing defaults
    BILLING_METHOD = "billing_method"  # the project has no billing method: choose one
    SYNC = "sync"  # the project is not in the mirror yet


@dataclass(frozen=True)
class RateSource:
    """`label` is what the preview shows next to the rate; for NONE it says why there is none,
    and `fix` where a rate would be set."""

    kind: RateSourceKind
    label: str
    rule_id: int | None = None
    fix: RateFix | None = None


@dataclass(frozen=True)
class ResolvedRate:
    rate: Decimal | None
    source: RateSource


@dataclass(frozen=True)
class RateRule:
    id: int
    rate: Decimal
    client_id: int
    project_id: int | None = None
    service_id: int | None = None
    team_member_id: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        try:
            rate = to_decimal(self.rate)
        except (TypeError, ValueError, ArithmeticError) as error:
            raise BillingOptionsError("rate", f"The rate must be a number: {error}") from error
        if rate < 0:
            raise BillingOptionsError("rate", "A rate cannot be negative.")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise BillingOptionsError("valid_to", "The rule ends before it starts.")

    @property
    def specificity(self) -> tuple[int, bool, bool, bool]:
        has_project = self.project_id is not None
        has_service = self.service_id is not None
        has_member = self.team_member_id is not None
        return (has_project + has_service + has_member, has_project, has_service, has_member)

    def scope_words(self) -> str:
        parts = ["client"]
        if self.project_id is not None:
            parts.append("project")
        if self.service_id is not None:
            parts.append("service")
        if self.team_member_id is not None:
            parts.append("team member")
        return " + ".join(parts)

    def matches(self, entry: TimeEntryFacts, entry_date: date) -> bool:
        if entry.client_id is None or self.client_id != entry.client_id:
            return False
        for rule_value, entry_value in (
            (self.project_id, entry.project_id),
            (self.service_id, entry.service_id),
            (self.team_member_id, entry.team_member_id),
        ):
            if rule_value is not None and rule_value != entry_value:
                return False
        if self.valid_from is not None and entry_date < self.valid_from:
            return False
        return self.valid_to is None or entry_date <= self.valid_to


def rule_precedence(rule: RateRule) -> tuple[tuple[int, ...], int, int]:
    """Sort key: the first rule in ascending order of this key wins."""
    specificity = rule.specificity
    newest_first = -(rule.valid_from.toordinal() if rule.valid_from else 0)
    return (
        tuple(-int(part) for part in specificity),
        newest_first,
        -rule.id,
    )


def matching_rule(
    entry: TimeEntryFacts, entry_date: date, rules: Iterable[RateRule]
) -> RateRule | None:
    candidates = [rule for rule in rules if rule.matches(entry, entry_date)]
    return min(candidates, key=rule_precedence) if candidates else None


def resolve_rate(
    entry: TimeEntryFacts,
    *,
    entry_date: date,
    catalog: Catalog,
    rules: Iterable[RateRule],
    business: BusinessFacts,
) -> ResolvedRate:
    """The rate for one entry; `entry_date` is its start date in the business's zone."""
    rule = matching_rule(entry, entry_date, rules)
    if rule is not None:
        label = f"Rate rule #{rule.id} ({rule.scope_words()})"
        return ResolvedRate(
            to_decimal(rule.rate),
            RateSource(RateSourceKind.RATE_RULE, label, rule.id, fix=RateFix.RATE_RULE),
        )
    if entry.project_id is None:
        return _no_rate(
            "the entry has no project and no rate rule matches; add a rate rule",
            RateFix.RATE_RULE,
        )
    project = catalog.projects.get(entry.project_id)
    if project is None:
        return _no_rate(
            f"project #{entry.project_id} has not been synced and no rate rule matches",
            RateFix.SYNC,
        )
    return _rate_from_billing_method(entry, project.id, catalog, business)


def _rate_from_billing_method(
    entry: TimeEntryFacts, project_id: int, catalog: Catalog, business: BusinessFacts
) -> ResolvedRate:
    project = catalog.projects[project_id]
    method = project.billing_method
    title = f"'{project.title}'"
    if method == "project_rate":
        if project.rate is None:
            return _no_rate(
                f"project {title} bills at a project rate but has none set", RateFix.PROJECT_RATE
            )
        return _found(
            project.rate,
            RateSourceKind.PROJECT_RATE,
            f"Project {title} hourly rate",
            RateFix.PROJECT_RATE,
        )
    if method == "service_rate":
        return _service_rate(entry, project_id, title, catalog)
    if method == "team_member_rate":
        if entry.team_member_id is None:
            return _no_rate(
                f"project {title} bills by team member but the entry has none",
                RateFix.TEAM_MEMBER_RATE,
            )
        member = catalog.team_members.get(entry.team_member_id)
        name = catalog.team_member_name(entry.team_member_id)
        if member is None or member.rate is None:
            return _no_rate(f"team member '{name}' has no billable rate", RateFix.TEAM_MEMBER_RATE)
        return _found(
            member.rate,
            RateSourceKind.TEAM_MEMBER_RATE,
            f"Team member '{name}' billable rate",
            RateFix.TEAM_MEMBER_RATE,
        )
    if method == "business_rate":
        if business.standard_rate is None:
            return _no_rate(
                f"project {title} bills at the business standard rate, which is not set",
                RateFix.STANDARD_RATE,
            )
        return _found(
            business.standard_rate,
            RateSourceKind.BUSINESS_RATE,
            "Business standard rate",
            RateFix.STANDARD_RATE,
        )
    return _no_rate(
        f"project {title} has no billing method and no rate rule matches",
        RateFix.BILLING_METHOD,
    )


def _service_rate(
    entry: TimeEntryFacts, project_id: int, title: str, catalog: Catalog
) -> ResolvedRate:
    if entry.service_id is None:
        return _no_rate(
            f"project {title} bills by service but the entry has no service",
            RateFix.SERVICE_RATE,
        )
    service = f"'{catalog.service_name(entry.service_id)}'"
    project_rate = catalog.project_service_rates.get((project_id, entry.service_id))
    if project_rate is not None:
        return _found(
            project_rate,
            RateSourceKind.PROJECT_SERVICE_RATE,
            f"Service {service} rate for project {title}",
            RateFix.SERVICE_RATE,
        )
    business_rate = catalog.business_service_rates.get(entry.service_id)
    if business_rate is not None:
        return _found(
            business_rate,
            RateSourceKind.BUSINESS_SERVICE_RATE,
            f"Service {service} rate",
            RateFix.SERVICE_RATE,
        )
    return _no_rate(
        f"service {service} has no rate (project {title} bills by service)", RateFix.SERVICE_RATE
    )


def _found(rate: Decimal, kind: RateSourceKind, label: str, fix: RateFix) -> ResolvedRate:
    return ResolvedRate(to_decimal(rate), RateSource(kind, label, fix=fix))


def _no_rate(reason: str, fix: RateFix) -> ResolvedRate:
    return ResolvedRate(None, RateSource(RateSourceKind.NONE, f"No rate: {reason}", fix=fix))
