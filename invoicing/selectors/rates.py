"""Reads for a business's Rates page, its rule pickers, and the links that fix a missing rate.

Every function takes an already-authorised business (`connections.selectors.business_for_user`),
so another user's rule id is a 404 and another business's clients, projects, services and team
members are never among the choices.

Fix links (for the preview and the business page): `rate_fix_link(business, project_id=70)` gives
`FixLink(url="/businesses/5/rates/rules/new/?client=10&project=70",
label="Set a rate for project Website")`; `rate_fix_link_for(business, item.rate_fix)` does the
same for the `RateFix` the billing rules attach to an unpriced entry (`NotBilledEntry.rate_fix`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse

from connections.models import ConnectedBusiness
from invoicing.billing import RateFix
from invoicing.models import (
    BillingPolicy,
    Client,
    Project,
    ProjectServiceRate,
    Service,
    ServiceRate,
    TeamMember,
)

# The query parameters of the "new rate rule" page that pre-fill its pickers.
PREFILL_PARAMETERS = ("client", "project", "service", "member")


class FixLink(NamedTuple):
    """Where to go to set a missing rate, and the words of the link."""

    url: str
    label: str


@dataclass(frozen=True)
class Choice:
    """One option of a picker: a FreshBooks id and the name people know it by."""

    id: int
    label: str
    client_id: int | None = None  # projects: the client the project belongs to


@dataclass
class RateNames:
    """The names of a business's clients, projects, services and team members, by FreshBooks id.

    Load it once (`rate_names`) and pass it to `rate_fix_link` when making many links.
    """

    clients: dict[int, str] = field(default_factory=dict)
    projects: dict[int, str] = field(default_factory=dict)
    project_clients: dict[int, int | None] = field(default_factory=dict)
    services: dict[int, str] = field(default_factory=dict)
    team_members: dict[int, str] = field(default_factory=dict)
    inactive: set[tuple[str, int]] = field(default_factory=set)

    def client(self, client_id: int) -> str:
        return self.clients.get(client_id) or f"client #{client_id}"

    def project(self, project_id: int) -> str:
        return self.projects.get(project_id) or f"project #{project_id}"

    def service(self, service_id: int) -> str:
        return self.services.get(service_id) or f"service #{service_id}"

    def team_member(self, identity_id: int) -> str:
        return self.team_members.get(identity_id) or f"team member #{identity_id}"

    def choices(self, kind: str) -> list[Choice]:
        """The picker options of `kind` (clients, projects, services, team_members), by name."""
        names: dict[int, str] = getattr(self, kind)
        options = []
        for object_id, name in names.items():
            label = name
            client_id = self.project_clients.get(object_id) if kind == "projects" else None
            if client_id is not None and client_id in self.clients:
                label = f"{name} ({self.clients[client_id]})"
            if (kind, object_id) in self.inactive:
                label += " (archived)"
            options.append(Choice(object_id, label, client_id))
        return sorted(options, key=lambda choice: (choice.label.casefold(), choice.id))


def rate_names(business: ConnectedBusiness) -> RateNames:
    names = RateNames()
    for client in Client.objects.filter(business=business).only(
        "freshbooks_id", "display_name", "active"
    ):
        names.clients[client.freshbooks_id] = str(client)
        if not client.active:
            names.inactive.add(("clients", client.freshbooks_id))
    for project in Project.objects.filter(business=business).only(
        "freshbooks_id", "title", "client_freshbooks_id", "active"
    ):
        names.projects[project.freshbooks_id] = str(project)
        names.project_clients[project.freshbooks_id] = project.client_freshbooks_id
        if not project.active:
            names.inactive.add(("projects", project.freshbooks_id))
    for service in Service.objects.filter(business=business).only(
        "freshbooks_id", "name", "active"
    ):
        names.services[service.freshbooks_id] = str(service)
        if not service.active:
            names.inactive.add(("services", service.freshbooks_id))
    for member in TeamMember.objects.filter(business=business).only(
        "identity_id", "name", "email", "active"
    ):
        names.team_members[member.identity_id] = str(member)
        if not member.active:
            names.inactive.add(("team_members", member.identity_id))
    return names


# -- fix links ------------------------------------------------------------------------------


def rate_fix_link(
    business: ConnectedBusiness,
    *,
    project_id: int | None = None,
    service_id: int | None = None,
    client_id: int | None = None,
    team_member_id: int | None = None,
    standard: bool = False,
    rule_id: int | None = None,
    names: RateNames | None = None,
) -> FixLink:
    """The link that fixes a missing rate, pre-filled, with its words.

    - `standard=True`: the standard rate form on the Rates page, "Set the standard rate".
    - `rule_id`: that rule's edit page, "Change rate rule #12" (e.g. a rule that bills at 0.00).
    - otherwise the new rate rule form with its pickers set to the ids given (FreshBooks ids; the
      client defaults to the project's), e.g. `project_id=70` → "Set a rate for project Website",
      `project_id=70, service_id=4` → "Set a rate for Design on project Website",
      `client_id=10` → "Set a rate for client Acme Corp".

    `names` (from `rate_names(business)`) saves the queries when making many links at once.
    Reads only; ids the business does not have are named "#<id>" and ignored by the form.
    """
    if standard:
        url = reverse("invoicing:rates", kwargs={"business_pk": business.pk})
        return FixLink(f"{url}#standard-rate", "Set the standard rate")
    if rule_id is not None:
        url = reverse(
            "invoicing:rate_rule_edit", kwargs={"business_pk": business.pk, "rule_pk": rule_id}
        )
        return FixLink(url, f"Change rate rule #{rule_id}")
    names = names if names is not None else rate_names(business)
    if client_id is None and project_id is not None:
        client_id = names.project_clients.get(project_id)
    query = {
        parameter: value
        for parameter, value in zip(
            PREFILL_PARAMETERS, (client_id, project_id, service_id, team_member_id), strict=True
        )
        if value is not None
    }
    url = reverse("invoicing:rate_rule_new", kwargs={"business_pk": business.pk})
    return FixLink(
        f"{url}?{urlencode(query)}" if query else url,
        _fix_label(names, client_id, project_id, service_id, team_member_id),
    )


def rate_fix_link_for(
    business: ConnectedBusiness, fix: RateFix | None, *, names: RateNames | None = None
) -> FixLink | None:
    """`rate_fix_link` for the `RateFix` of an unpriced entry (None when there is none)."""
    if fix is None:
        return None
    return rate_fix_link(
        business,
        client_id=fix.client_id,
        project_id=fix.project_id,
        service_id=fix.service_id,
        team_member_id=fix.team_member_id,
        standard=fix.standard_rate,
        rule_id=fix.rule_id,
        names=names,
    )


def _fix_label(
    names: RateNames,
    client_id: int | None,
    project_id: int | None,
    service_id: int | None,
    team_member_id: int | None,
) -> str:
    work = []
    if service_id is not None:
        work.append(names.service(service_id))
    if team_member_id is not None:
        work.append(("by " if work else "") + names.team_member(team_member_id))
    if project_id is not None:
        where = f"project {names.project(project_id)}"
        return f"Set a rate for {' '.join(work)} on {where}" if work else f"Set a rate for {where}"
    if client_id is not None:
        client = f"client {names.client(client_id)}"
        return (
            f"Set a rate for {' '.join(work)} for {client}" if work else f"Set a rate for {client}"
        )
    return "Add a rate rule"


def rule_scope_label(
    names: RateNames,
    *,
    client_id: int | None,
    project_id: int | None = None,
    service_id: int | None = None,
    team_member_id: int | None = None,
) -> str:
    """What a rule applies to, in words: "Acme Corp · project Website · Design · Ann Lee"."""
    parts = [names.client(client_id)] if client_id is not None else []
    if project_id is not None:
        parts.append(f"project {names.project(project_id)}")
    if service_id is not None:
        parts.append(f"service {names.service(service_id)}")
    if team_member_id is not None:
        parts.append(names.team_member(team_member_id))
    return " · ".join(parts)


# -- the standard rate ----------------------------------------------------------------------


def standard_rate_of(business: ConnectedBusiness) -> Decimal | None:
    return (
        BillingPolicy.objects.filter(business=business)
        .values_list("standard_rate", flat=True)
        .first()
    )


def businesses_asking_standard_rate(user) -> QuerySet[ConnectedBusiness]:
    """The user's connected businesses with no standard rate whose owner never skipped the
    "What do you charge per hour?" step."""
    return (
        ConnectedBusiness.objects.filter(
            connection__user=user, connection__disconnected_at__isnull=True, active=True
        )
        .filter(
            Q(billing_policy__isnull=True)
            | Q(
                billing_policy__standard_rate__isnull=True,
                billing_policy__standard_rate_skipped_at__isnull=True,
            )
        )
        .order_by("name", "pk")
    )


# -- rates held in FreshBooks (read-only) ---------------------------------------------------


@dataclass(frozen=True)
class HeldRate:
    """One rate FreshBooks holds, with what it applies to; `fix` when a needed rate is missing."""

    applies_to: str
    rate: Decimal | None
    fix: FixLink | None = None


@dataclass(frozen=True)
class FreshBooksRates:
    project_rates: list[HeldRate]
    service_rates: list[HeldRate]
    project_service_rates: list[HeldRate]
    team_member_rates: list[HeldRate]

    @property
    def empty(self) -> bool:
        return not (
            self.project_rates
            or self.service_rates
            or self.project_service_rates
            or self.team_member_rates
        )


def freshbooks_rates(business: ConnectedBusiness, names: RateNames) -> FreshBooksRates:
    """Project rates (of projects billed at one hourly rate), business service rates, project
    service rates and team members' billable rates, named; archived objects are left out."""
    by_name = _sorted_by_applies_to
    project_rates = []
    for project in Project.objects.filter(
        business=business, billing_method="project_rate", active=True
    ).exclude(project_type="fixed_price"):
        applies_to = _project_with_client(names, project.freshbooks_id)
        fix = (
            None
            if project.rate is not None
            else rate_fix_link(business, project_id=project.freshbooks_id, names=names)
        )
        project_rates.append(HeldRate(applies_to, project.rate, fix))
    service_rates = {
        row.service_freshbooks_id: row.rate for row in ServiceRate.objects.filter(business=business)
    }
    services = [
        HeldRate(names.service(service.freshbooks_id), service_rates.get(service.freshbooks_id))
        for service in Service.objects.filter(business=business, active=True, billable=True)
    ]
    project_service_rates = [
        HeldRate(
            f"{names.service(row.service_freshbooks_id)} on "
            f"{_project_with_client(names, row.project_freshbooks_id)}",
            row.rate,
        )
        for row in ProjectServiceRate.objects.filter(business=business)
        if ("projects", row.project_freshbooks_id) not in names.inactive
    ]
    members = [
        HeldRate(str(member), member.billable_rate)
        for member in TeamMember.objects.filter(business=business, active=True)
    ]
    return FreshBooksRates(
        project_rates=by_name(project_rates),
        service_rates=by_name(services),
        project_service_rates=by_name(project_service_rates),
        team_member_rates=by_name(members),
    )


def _project_with_client(names: RateNames, project_id: int) -> str:
    client_id = names.project_clients.get(project_id)
    project = names.project(project_id)
    return f"{project} ({names.client(client_id)})" if client_id is not None else project


def _sorted_by_applies_to(rates: list[HeldRate]) -> list[HeldRate]:
    return sorted(rates, key=lambda held: held.applies_to.casefold())


# -- local rate rules -----------------------------------------------------------------------
