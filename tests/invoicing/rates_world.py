"""A small mirrored business to test rates with: two clients, their projects, services, people.

Acme Corp (10): project Website (70, project rate 120.00), project App (71, bills by service),
project Retainer (72, business standard rate). Globex (11): project Support (73, by team member).
Services Design (20, rate 90.00) and Research (21, no rate); team members Ann Lee (30, 80.00)
and Bo Chen (31, no rate).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from invoicing.models import Client, Project, Service, ServiceRate, TeamMember, TimeEntry
from tests.factories import ConnectedBusinessFactory

ACME, GLOBEX = 10, 11
WEBSITE, APP, RETAINER, SUPPORT = 70, 71, 72, 73
DESIGN, RESEARCH = 20, 21
ANN, BO = 30, 31


def rates_business(**fields):
    business = ConnectedBusinessFactory(currency_code="USD", timezone="America/New_York", **fields)
    Client.objects.create(business=business, freshbooks_id=ACME, display_name="Acme Corp")
    Client.objects.create(business=business, freshbooks_id=GLOBEX, display_name="Globex")
    for project_id, title, client_id, method, rate in (
        (WEBSITE, "Website", ACME, "project_rate", Decimal("120.00")),
        (APP, "App", ACME, "service_rate", None),
        (RETAINER, "Retainer", ACME, "business_rate", None),
        (SUPPORT, "Support", GLOBEX, "team_member_rate", None),
    ):
        Project.objects.create(
            business=business,
            freshbooks_id=project_id,
            title=title,
            client_freshbooks_id=client_id,
            billing_method=method,
            project_type="hourly_rate",
            rate=rate,
        )
    Service.objects.create(business=business, freshbooks_id=DESIGN, name="Design")
    Service.objects.create(business=business, freshbooks_id=RESEARCH, name="Research")
    ServiceRate.objects.create(business=business, service_freshbooks_id=DESIGN, rate="90.00")
    TeamMember.objects.create(business=business, identity_id=ANN, name="Ann Lee", billable_rate=80)
    TeamMember.objects.create(business=business, identity_id=BO, name="Bo Chen")
    return business


def logged(business, entry_id: int, *, client_id=ACME, project_id=None, **fields):
    return TimeEntry.objects.create(
        business=business,
        freshbooks_id=entry_id,
        client_freshbooks_id=client_id,
        project_freshbooks_id=project_id,
        started_at=fields.pop("started_at", datetime(2024, 5, 6, 15, tzinfo=UTC)),
        duration_seconds=fields.pop("duration_seconds", 3600),
        billable=True,
        **fields,
    )
