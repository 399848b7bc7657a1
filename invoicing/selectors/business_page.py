"""The business page's reads that would otherwise grow with the mirror, kept flat.

- The unbilled estimate (hours and amounts per client, priced by the billing rules) sums every
  unbilled entry. It is kept in the cache under the business's billing inputs version
  (`invoicing.selectors.kept`): PostgreSQL triggers move that version on every write to what
  the estimate is computed from, so a kept estimate is never stale, and only the first view after
  a change sums the mirror again. Without the cache (Redis down) it is computed every time.
- The time entry list counts its rows up to ENTRIES_COUNTED (then says "more than 1,000"),
  instead of counting a 100,000-entry mirror on every page.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

from connections.models import ConnectedBusiness
from invoicing.selectors.businesses import UnbilledClientHours, unbilled_by_client
from invoicing.selectors.kept import kept_values
from invoicing.selectors.planning_reads import billing_inputs_version

# The time entry list counts up to this many rows (20 pages); past it, "more than 1000 entries".
ENTRIES_COUNTED = 1_000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows: pages up to the cap, and `capped` says
    there are more (filters narrow the list)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.cap = ENTRIES_COUNTED if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        return self.rows[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.cap


def unbilled_estimate(business: ConnectedBusiness, *, today: date) -> list[UnbilledClientHours]:
    """`unbilled_by_client`, kept under the business's billing inputs version."""
    kept = kept_values(
        "unbilled-estimate",
        [business],
        {business.pk: billing_inputs_version(business.pk)},
        today=today,
        compute=lambda missing: {business.pk: unbilled_by_client(business, today=today)},
    )
    return list(kept[business.pk])
