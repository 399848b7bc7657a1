"""The database keeps tax defaults sound: one per business, client or service; a row names its
scope and nothing else; two taxes are two different ones."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from invoicing.models import TaxDefault
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            TaxDefault.objects.create(**fields)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def business():
    return ConnectedBusinessFactory()


def test_one_default_per_business_client_and_service(business):
    TaxDefault.objects.create(business=business, scope="business", first_tax_freshbooks_id=1)
    TaxDefault.objects.create(business=business, scope="client", client_freshbooks_id=10)
    TaxDefault.objects.create(business=business, scope="service", service_freshbooks_id=20)
    assert refused(business=business, scope="business")
    assert refused(business=business, scope="client", client_freshbooks_id=10)
    assert refused(business=business, scope="service", service_freshbooks_id=20)
    assert not refused(business=business, scope="client", client_freshbooks_id=11)
    assert not refused(business=ConnectedBusinessFactory(), scope="business")


@pytest.mark.parametrize(
    "fields",
    [
        {"scope": "business", "client_freshbooks_id": 10},
        {"scope": "client"},
        {"scope": "client", "client_freshbooks_id": 10, "service_freshbooks_id": 20},
        {"scope": "service", "client_freshbooks_id": 10},
        {"scope": "project", "client_freshbooks_id": 10},
    ],
)
def test_a_row_names_its_scope_and_nothing_else(business, fields):
    assert refused(business=business, **fields)


def test_two_taxes_are_two_different_ones_and_a_second_needs_a_first(business):
    same = {"first_tax_freshbooks_id": 1, "second_tax_freshbooks_id": 1}
    assert refused(business=business, scope="business", **same)
    assert refused(business=business, scope="business", second_tax_freshbooks_id=2)
    assert not refused(
        business=business, scope="business", first_tax_freshbooks_id=1, second_tax_freshbooks_id=2
    )
