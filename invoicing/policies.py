"""Writes of a business's billing defaults (rounding, grouping, standard rate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from connections.models import ConnectedBusiness
from invoicing.models import BillingPolicy


def billing_policy_save(*, business: ConnectedBusiness, values: Mapping[str, Any]) -> BillingPolicy:
    """Create or update the one policy of the business with validated form values."""
    with transaction.atomic():
        policy, _ = BillingPolicy.objects.select_for_update().get_or_create(business=business)
        for field, value in values.items():
            setattr(policy, field, value)
        policy.save()
    return policy
