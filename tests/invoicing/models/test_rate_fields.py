"""Rates are stored at the precision FreshBooks gives them and read back as it writes them."""

from decimal import Decimal

import pytest

from invoicing.models import (
    BillingPolicy,
    Project,
    ProjectServiceRate,
    RateRule,
    ServiceRate,
    TeamMember,
)
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    return ConnectedBusinessFactory()


def test_every_rate_keeps_three_or_more_decimals(business):
    Project.objects.create(business=business, freshbooks_id=1, rate=Decimal("12.345"))
    ServiceRate.objects.create(business=business, service_freshbooks_id=2, rate=Decimal("0.125"))
    ProjectServiceRate.objects.create(
        business=business,
        project_freshbooks_id=1,
        service_freshbooks_id=2,
        rate=Decimal("33.3333"),
    )
    TeamMember.objects.create(business=business, identity_id=3, billable_rate=Decimal("87.654321"))
    RateRule.objects.create(business=business, client_freshbooks_id=4, rate=Decimal("99.999"))
    BillingPolicy.objects.create(business=business, standard_rate=Decimal("75.125"))

    assert Project.objects.get().rate == Decimal("12.345")
    assert ServiceRate.objects.get().rate == Decimal("0.125")
    assert ProjectServiceRate.objects.get().rate == Decimal("33.3333")
    assert TeamMember.objects.get().billable_rate == Decimal("87.654321")
    assert RateRule.objects.get().rate == Decimal("99.999")
    assert BillingPolicy.objects.get().standard_rate == Decimal("75.125")


def test_a_rate_reads_back_with_two_places_at_least_and_no_padding(business):
    Project.objects.create(business=business, freshbooks_id=1, rate=Decimal("95"))
    Project.objects.create(business=business, freshbooks_id=2, rate=Decimal("12.345"))
    Project.objects.create(business=business, freshbooks_id=3, rate=None)

    rates = dict(Project.objects.values_list("freshbooks_id", "rate"))
    stored = {project.freshbooks_id: project.rate for project in Project.objects.all()}

    assert {key: str(value) for key, value in stored.items() if value} == {1: "95.00", 2: "12.345"}
    assert stored[3] is None
    assert rates == stored
