"""Writing rates: the standard rate (set, cleared, skipped) and local rate rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing.models import BillingPolicy, RateRule
from invoicing.rates import (
    rate_rule_create,
    rate_rule_delete,
    rate_rule_update,
    standard_rate_set,
    standard_rate_skip,
)
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    return ConnectedBusinessFactory()


def values(**changes):
    return {
        "client_freshbooks_id": 10,
        "project_freshbooks_id": 70,
        "service_freshbooks_id": None,
        "team_member_identity_id": None,
        "rate": Decimal("12.345"),
        "valid_from": date(2024, 5, 1),
        "valid_to": None,
        "note": "",
        **changes,
    }


def test_the_standard_rate_is_kept_with_the_other_billing_defaults(business):
    BillingPolicy.objects.create(business=business, grouping="project")

    standard_rate_set(business=business, rate=Decimal("95.125"))

    policy = BillingPolicy.objects.get(business=business)
    assert (policy.standard_rate, policy.grouping) == (Decimal("95.125"), "project")
    standard_rate_set(business=business, rate=None)
    assert BillingPolicy.objects.get(business=business).standard_rate is None


def test_skipping_the_standard_rate_is_remembered_without_setting_one(business):
    policy = standard_rate_skip(business=business)

    assert policy.standard_rate is None
    assert policy.standard_rate_skipped_at is not None


def test_a_rule_is_created_updated_and_deleted(business):
    rule = rate_rule_create(business=business, values=values())
    assert RateRule.objects.get().rate == Decimal("12.345")

    rate_rule_update(rule=rule, values=values(project_freshbooks_id=None, rate=Decimal("80")))
    rule.refresh_from_db()
    assert (rule.project_freshbooks_id, rule.rate) == (None, Decimal("80.00"))

    rate_rule_delete(rule=rule)
    assert not RateRule.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"rate": Decimal("-1")},
        {"rate": Decimal("1.1234567")},
        {"valid_from": date(2024, 6, 1), "valid_to": date(2024, 5, 1)},
    ],
)
def test_a_value_the_model_refuses_saves_nothing(business, changes):
    with pytest.raises(ValidationError):
        rate_rule_create(business=business, values=values(**changes))
    assert not RateRule.objects.exists()


def test_an_unknown_field_is_a_programming_error(business):
    with pytest.raises(ValueError, match="not rate rule fields"):
        rate_rule_create(business=business, values=values(business_id=99))
