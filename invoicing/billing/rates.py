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

Every resolved rate carries a `RateFix`: where, in this app, the rate of that entry is set. For
an entry without a rate it is the exact fix the preview links to (a rule for the project and
service whose rate is missing, or the business standard rate); for a rate from a rule it is that
rule; for a rate from FreshBooks it is the narrowest rule that would override it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.inputs import BusinessFacts, Catalog, TimeEntryFacts
from invoicing.billing.money import rate_normalized, to_decimal


class RateSourceKind(StrEnum):
    RATE_RULE = "rate_rule"
    PROJECT_RATE = "project_rate"
    PROJECT_SERVICE_RATE = "project_service_rate"
    BUSINESS_SERVICE_RATE = "business_service_rate"
    TEAM_MEMBER_RATE = "team_member_rate"
    BUSINESS_RATE = "business_rate"
    NONE = "none"


@dataclass(frozen=True)
class RateFix:
    """Where an entry's rate is set locally: the scope of a rate rule (a client, optionally with
    a project, a service and a team member), an existing rule (`rule_id`), or the business
    standard rate (`standard_rate`). All ids are FreshBooks ids."""

    client_id: int | None = None
    project_id: int | None = None
    service_id: int | None = None
    team_member_id: int | None = None
    standard_rate: bool = False
    rule_id: int | None = None


@dataclass(frozen=True)
class RateSource:
    """`label` is what the preview shows next to the rate; for NONE it says why there is none.
    `fix` says where to set (or change) the rate, see `RateFix`."""

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
            rate_normalized(rule.rate),
            RateSource(RateSourceKind.RATE_RULE, label, rule.id, RateFix(rule_id=rule.id)),
        )
    client_only = RateFix(client_id=entry.client_id)
    if entry.project_id is None:
        return _no_rate(
            "the entry has no project and no rate rule matches; add a rate rule", client_only
        )
    project_fix = RateFix(client_id=entry.client_id, project_id=entry.project_id)
    project = catalog.projects.get(entry.project_id)
    if project is None:
        return _no_rate(
            f"project #{entry.project_id} has not been synced and no rate rule matches",
            project_fix,
        )
    return _rate_from_billing_method(entry, project.id, catalog, business, project_fix)


def _rate_from_billing_method(
    entry: TimeEntryFacts,
    project_id: int,
    catalog: Catalog,
    business: BusinessFacts,
    project_fix: RateFix,
) -> ResolvedRate:
    project = catalog.projects[project_id]
    method = project.billing_method
    title = f"'{project.title}'"
    if method == "project_rate":
        if project.rate is None:
            return _no_rate(
                f"project {title} bills at a project rate but has none set", project_fix
            )
        return _found(
            project.rate, RateSourceKind.PROJECT_RATE, f"Project {title} hourly rate", project_fix
        )
    if method == "service_rate":
        return _service_rate(entry, project_id, title, catalog, project_fix)
    if method == "team_member_rate":
        if entry.team_member_id is None:
            return _no_rate(
                f"project {title} bills by team member but the entry has none", project_fix
            )
        member_fix = replace(project_fix, team_member_id=entry.team_member_id)
        member = catalog.team_members.get(entry.team_member_id)
        name = catalog.team_member_name(entry.team_member_id)
        if member is None or member.rate is None:
            return _no_rate(f"team member '{name}' has no billable rate", member_fix)
        return _found(
            member.rate,
            RateSourceKind.TEAM_MEMBER_RATE,
            f"Team member '{name}' billable rate",
            member_fix,
        )
    if method == "business_rate":
        standard = RateFix(standard_rate=True)
        if business.standard_rate is None:
            return _no_rate(
                f"project {title} bills at the business standard rate, which is not known",
                standard,
            )
        return _found(
            business.standard_rate,
            RateSourceKind.BUSINESS_RATE,
            "Business standard rate",
            standard,
        )
    return _no_rate(f"project {title} has no billing method and no rate rule matches", project_fix)


def _service_rate(
    entry: TimeEntryFacts, project_id: int, title: str, catalog: Catalog, project_fix: RateFix
) -> ResolvedRate:
    if entry.service_id is None:
        return _no_rate(
            f"project {title} bills by service but the entry has no service", project_fix
        )
    service_fix = replace(project_fix, service_id=entry.service_id)
    service = f"'{catalog.service_name(entry.service_id)}'"
    project_rate = catalog.project_service_rates.get((project_id, entry.service_id))
    if project_rate is not None:
        return _found(
            project_rate,
            RateSourceKind.PROJECT_SERVICE_RATE,
            f"Service {service} rate for project {title}",
            service_fix,
        )
    business_rate = catalog.business_service_rates.get(entry.service_id)
    if business_rate is not None:
        return _found(
            business_rate,
            RateSourceKind.BUSINESS_SERVICE_RATE,
            f"Service {service} rate",
            service_fix,
        )
    return _no_rate(
        f"service {service} has no rate (project {title} bills by service)", service_fix
    )


def _found(rate: Decimal, kind: RateSourceKind, label: str, fix: RateFix) -> ResolvedRate:
    return ResolvedRate(rate_normalized(rate), RateSource(kind, label, fix=fix))


def _no_rate(reason: str, fix: RateFix) -> ResolvedRate:
    return ResolvedRate(None, RateSource(RateSourceKind.NONE, f"No rate: {reason}", fix=fix))
