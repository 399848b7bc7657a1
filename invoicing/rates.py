"""Writes of a business's rates: its standard rate and its local rate rules.

Callers pass values a form has validated (ids among the business's own, rates from 0 to
1,000,000 an hour, dates in order); the model's constraints are checked again before saving, so
a bad value raises `ValidationError` instead of reaching the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from connections.models import ConnectedBusiness
from invoicing.models import BillingPolicy, RateRule
from invoicing.policies import billing_policy_save

RULE_FIELDS = (
    "client_freshbooks_id",
    "project_freshbooks_id",
    "service_freshbooks_id",
    "team_member_identity_id",
    "rate",
    "valid_from",
    "valid_to",
    "note",
)


def standard_rate_set(*, business: ConnectedBusiness, rate: Decimal | None) -> BillingPolicy:
    """Set (or, with None, forget) the business standard rate FreshBooks' API does not give."""
    return billing_policy_save(business=business, values={"standard_rate": rate})


def standard_rate_skip(*, business: ConnectedBusiness) -> BillingPolicy:
    """Remember that the owner skipped "What do you charge per hour?", so it is not asked again."""
    return billing_policy_save(
        business=business, values={"standard_rate_skipped_at": timezone.now()}
    )


def rate_rule_create(*, business: ConnectedBusiness, values: Mapping[str, Any]) -> RateRule:
    rule = RateRule(business=business)
    return _rule_save(rule, values)


def rate_rule_update(*, rule: RateRule, values: Mapping[str, Any]) -> RateRule:
    with transaction.atomic():
        locked = RateRule.objects.select_for_update().get(pk=rule.pk, business=rule.business_id)
        return _rule_save(locked, values)


def rate_rule_delete(*, rule: RateRule) -> None:
    RateRule.objects.filter(pk=rule.pk, business=rule.business_id).delete()


def _rule_save(rule: RateRule, values: Mapping[str, Any]) -> RateRule:
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"not rate rule fields: {sorted(unknown)}")
    for name in RULE_FIELDS:
        setattr(rule, name, values.get(name, "" if name == "note" else None))
    rule.full_clean(exclude=["business"])
    rule.save()
    return rule
