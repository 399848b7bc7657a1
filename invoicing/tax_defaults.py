"""Writes of a business's local tax defaults (the Rates page's "Taxes").

Callers pass what a form validated (a scope of the business's own, at most two different usable
taxes); the model's constraints are checked again before saving, so a bad value raises
`ValidationError` instead of reaching the database.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction

from connections.models import ConnectedBusiness
from invoicing.models import SyncRun, Tax, TaxDefault

Scope = TaxDefault.Scope


def tax_default_save(
    *,
    business: ConnectedBusiness,
    scope: str,
    target_id: int | None,
    tax_ids: Sequence[int],
) -> TaxDefault | None:
    """Set the taxes of a scope, replacing any it had.

    The business with no tax has no row (None is returned); a client or a service with no tax
    keeps a row naming none, which overrides the business's taxes for its time.
    """
    if len(tax_ids) > 2:
        raise ValueError("a line carries at most two taxes")
    lookup = {
        "business": business,
        "scope": scope,
        "client_freshbooks_id": target_id if scope == Scope.CLIENT else None,
        "service_freshbooks_id": target_id if scope == Scope.SERVICE else None,
    }
    try:
        return _save(lookup, tax_ids)
    except IntegrityError:
        # Another request created this scope's row a moment ago: replace its taxes instead.
        return _save(lookup, tax_ids)


def _save(lookup: dict, tax_ids: Sequence[int]) -> TaxDefault | None:
    with transaction.atomic():
        if lookup["scope"] == Scope.BUSINESS and not tax_ids:
            TaxDefault.objects.filter(**lookup).delete()
            return None
        row = TaxDefault.objects.select_for_update().filter(**lookup).first() or TaxDefault(
            **lookup
        )
        row.first_tax_freshbooks_id = tax_ids[0] if tax_ids else None
        row.second_tax_freshbooks_id = tax_ids[1] if len(tax_ids) > 1 else None
        row.full_clean(exclude=["business"], validate_constraints=True)
        row.save()
        return row


def tax_default_delete(*, row: TaxDefault) -> None:
    TaxDefault.objects.filter(pk=row.pk, business=row.business_id).delete()


def demo_tax_default_apply(*, business: ConnectedBusiness) -> TaxDefault | None:
    """The demo only (`settings.DEMO_BUSINESS_TAX`, empty outside `make run` with the sandbox):
    after the business's first successful sync, a business with no tax defaults gets the tax of
    that name, if it has a usable one, as its default for time. Later syncs never do, so removing
    it on the Rates page sticks."""
    name = settings.DEMO_BUSINESS_TAX
    if not name or TaxDefault.objects.filter(business=business).exists():
        return None
    succeeded = SyncRun.objects.filter(business=business, status=SyncRun.Status.SUCCEEDED)
    if succeeded.count() != 1:
        return None
    tax = (
        Tax.objects.filter(
            business=business,
            active=True,
            name__iexact=name,
            percent__gte=0,
            percent__lte=100,
        )
        .order_by("freshbooks_id")
        .first()
    )
    if tax is None:
        return None
    return tax_default_save(
        business=business, scope=Scope.BUSINESS, target_id=None, tax_ids=[tax.freshbooks_id]
    )
