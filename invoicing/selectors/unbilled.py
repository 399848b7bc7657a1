"""Unbilled hours and their estimated amount for many businesses at once (the dashboard).

Hours are summed in SQL; the amount prices the same grouped sums with the billing rules as the
business page's estimate does, with every business's rates loaded in one query per mirror. So
the dashboard costs the same number of queries for one business or a thousand. Each summary is
kept under its business's billing inputs version, so a dashboard view sums only the mirrors that
changed since the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from connections.models import ConnectedBusiness
from invoicing.billing.money import hours_from_seconds
from invoicing.models import TimeEntry
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors.businesses import plan_over_groups, unbilled_groups
from invoicing.selectors.kept import kept_values
from invoicing.selectors.planning_reads import billing_inputs_versions


@dataclass(frozen=True)
class UnbilledSummary:
    seconds: int = 0
    # What drafts would total now, per currency (only time with a rate).
    amounts: dict[str, Decimal] = field(default_factory=dict)

    @property
    def hours(self) -> Decimal:
        return hours_from_seconds(self.seconds)


def unbilled_summaries(
    businesses: list[ConnectedBusiness], *, today: date
) -> dict[int, UnbilledSummary]:
    """Each business's summary, kept under its billing inputs version like the business page's
    estimate (`invoicing.selectors.kept`): only businesses whose inputs changed since their last
    view are summed, all of them in the same queries."""
    versions = billing_inputs_versions([business.pk for business in businesses])
    return kept_values(
        "unbilled-summary",
        businesses,
        versions,
        today=today,
        compute=lambda missing: _summaries(missing, today=today),
    )


def _summaries(businesses: list[ConnectedBusiness], *, today: date) -> dict[int, UnbilledSummary]:
    by_pk = {business.pk: business for business in businesses}
    summaries = {pk: UnbilledSummary() for pk in by_pk}
    entries = TimeEntry.objects.filter(
        Q(business_id__in=list(by_pk)),
        billable=True,
        billed=False,
        active=True,
        is_logged=True,
        client_freshbooks_id__isnull=False,
    )
    groups: dict[int, list[dict]] = {}
    for group in unbilled_groups(entries):
        groups.setdefault(group["business_id"], []).append(group)
    if not groups:
        return summaries
    contexts = billing_inputs.billing_contexts_for([by_pk[pk] for pk in groups])
    for pk, business_groups in groups.items():
        context, policy = contexts[pk]
        plan, _ = plan_over_groups(
            by_pk[pk], context, policy.unpriced, business_groups, today=today
        )
        summaries[pk] = UnbilledSummary(
            seconds=sum(group["seconds"] or 0 for group in business_groups),
            amounts=dict(plan.totals_by_currency),
        )
    return summaries
