"""The business page's reads that would otherwise grow with the mirror, kept flat.

- The unbilled estimate (hours and amounts per client, priced by the billing rules) sums every
  unbilled entry. It is kept in the cache under the business's billing inputs version
  (`invoicing.models.watermarks`): PostgreSQL triggers move that version on every write to what
  the estimate is computed from, so a kept estimate is never stale, and only the first view after
  a change sums the mirror again. Without the cache (Redis down) it is computed every time.
- The time entry list counts its rows up to ENTRIES_COUNTED (then says "more than 1,000"),
  instead of counting a 100,000-entry mirror on every page.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet

from connections.models import ConnectedBusiness
from invoicing.selectors.businesses import UnbilledClientHours, unbilled_by_client
from invoicing.selectors.planning_reads import billing_inputs_version

logger = logging.getLogger(__name__)

# The time entry list counts up to this many rows (20 pages); past it, "more than 1000 entries".
ENTRIES_COUNTED = 1_000
# A kept estimate is dropped after a day even if nothing changed (its key names the day anyway).
ESTIMATE_KEPT_SECONDS = 24 * 3600


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


def _estimate_key(business: ConnectedBusiness, version: int, today: date) -> str:
    # The database's name and the business's creation time tell apart businesses that share a
    # pk in different databases (tests, benchmarks) or after a reset sequence.
    database = settings.DATABASES["default"]["NAME"]
    created = business.created_at.timestamp() if business.created_at else 0
    return f"unbilled-estimate:{database}:{business.pk}:{created}:{version}:{today.isoformat()}"


def unbilled_estimate(business: ConnectedBusiness, *, today: date) -> list[UnbilledClientHours]:
    """`unbilled_by_client`, kept under the business's billing inputs version."""
    key = _estimate_key(business, billing_inputs_version(business.pk), today)
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage only costs the sums
        logger.warning("unbilled estimate: the cache could not be read", exc_info=True)
        return unbilled_by_client(business, today=today)
    if kept is not None:
        return list(kept)
    rows = unbilled_by_client(business, today=today)
    try:
        cache.set(key, rows, ESTIMATE_KEPT_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("unbilled estimate: the cache could not be written", exc_info=True)
    return rows
