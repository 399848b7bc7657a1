"""Store rates as FreshBooks answered them: team member rates, service rates, and each project's
rate per service. The reads happen elsewhere (concurrently, in `invoicing.sync.fresh`); these
write in the caller's thread, each set in one transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from connections.freshbooks import FreshBooksClient
from connections.models import ConnectedBusiness
from integration_app.untrusted_text import storable_json
from invoicing.models import ProjectServiceRate, ServiceRate, TeamMember
from invoicing.sync import mappers


def team_member_rates_store(business: ConnectedBusiness, listed: list[dict[str, Any]]) -> int:
    rates: dict[int, Decimal] = {}
    for raw in listed:
        try:
            rates[int(raw["identity_id"])] = mappers.rate_value(raw)
        except (mappers.Unusable, KeyError, TypeError, ValueError):
            continue
    changed = 0
    with transaction.atomic():
        for member in TeamMember.objects.select_for_update().filter(business=business):
            rate = rates.pop(member.identity_id, None)
            if member.billable_rate != rate:
                member.billable_rate = rate
                member.save(update_fields=["billable_rate"])
                changed += 1
        for identity_id, rate in rates.items():  # a member the last sync did not list yet
            TeamMember.objects.get_or_create(
                business=business, identity_id=identity_id, defaults={"billable_rate": rate}
            )
            changed += 1
    return changed


def service_rates_store(business: ConnectedBusiness, raws: list[dict[str, Any]]) -> int:
    listed: dict[int, tuple[Decimal, dict[str, Any]]] = {}
    for raw in raws:
        try:
            listed[int(raw["service_id"])] = (mappers.rate_value(raw), raw)
        except (mappers.Unusable, KeyError, TypeError, ValueError):
            continue
    return _replace_rates(
        ServiceRate.objects.filter(business=business),
        listed,
        key="service_freshbooks_id",
        create=lambda service_id, rate, raw: ServiceRate(
            business=business, service_freshbooks_id=service_id, rate=rate, raw=raw
        ),
    )


def project_service_rates_refresh(
    client: FreshBooksClient,
    business: ConnectedBusiness,
    project_id: int,
    service_ids: list[int],
    *,
    complete: bool,
) -> int:
    """Re-read one project's rate for each service (FreshBooks gives them no change date).

    `complete`: `service_ids` are all the project's services, so a rate for any other service is
    gone (a `project.update` webhook); otherwise only those services are touched. Returns how
    many rates changed.
    """
    answers = {
        service_id: client.get_project_service_rate(business.business_id, project_id, service_id)
        for service_id in service_ids
    }
    return project_service_rates_store(business, project_id, answers, complete=complete)


def project_service_rates_store(
    business: ConnectedBusiness,
    project_id: int,
    answers: dict[int, dict[str, Any] | None],
    *,
    complete: bool,
) -> int:
    """Store one project's rates as read (service id → FreshBooks' answer, None: no rate)."""
    listed: dict[int, tuple[Decimal, dict[str, Any]]] = {}
    for service_id, raw in answers.items():
        if raw is None:
            continue
        try:
            listed[service_id] = (mappers.rate_value(raw), raw)
        except mappers.Unusable:
            continue
    rows = ProjectServiceRate.objects.filter(business=business, project_freshbooks_id=project_id)
    if not complete:
        rows = rows.filter(service_freshbooks_id__in=list(answers))
    return _replace_rates(
        rows,
        listed,
        key="service_freshbooks_id",
        create=lambda service_id, rate, raw: ProjectServiceRate(
            business=business,
            project_freshbooks_id=project_id,
            service_freshbooks_id=service_id,
            rate=rate,
            raw=raw,
        ),
    )


def _replace_rates(rows, listed: dict[int, tuple[Decimal, dict[str, Any]]], *, key, create) -> int:
    """Make `rows` hold exactly `listed` (id → rate, raw); returns how many rates changed."""
    changed = 0
    with transaction.atomic():
        existing = {getattr(row, key): row for row in rows.select_for_update()}
        for object_id, row in existing.items():
            if object_id not in listed:
                row.delete()
                changed += 1
        for object_id, (rate, raw) in listed.items():
            row = existing.get(object_id)
            if row is None:
                create(object_id, rate, storable_json(raw)).save()
                changed += 1
            elif row.rate != rate:
                row.rate = rate
                row.raw = storable_json(raw)
                row.save(update_fields=["rate", "raw"])
                changed += 1
    return changed
