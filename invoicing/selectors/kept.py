"""Sums over the mirror kept in the cache under each business's billing inputs version.

PostgreSQL triggers move a business's version (`invoicing.models.watermarks`) in the transaction
of every write to what the billing rules read, so a value computed after reading version V is
never older than V: a kept value is read back only while the version has not moved. The version is
read before the value is computed, so a write racing the computation moves the version and the
next view computes again. Without the cache (Redis down) every value is computed every time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache

from connections.models import ConnectedBusiness

logger = logging.getLogger(__name__)

# A kept value is dropped after a day even if nothing changed (its key names the day anyway).
KEPT_SECONDS = 24 * 3600


def kept_key(kind: str, business: ConnectedBusiness, version: int, today: date) -> str:
    # The database's name and the business's creation time tell apart businesses that share a
    # pk in different databases (tests, benchmarks) or after a reset sequence.
    database = settings.DATABASES["default"]["NAME"]
    created = business.created_at.timestamp() if business.created_at else 0
    return f"{kind}:{database}:{business.pk}:{created}:{version}:{today.isoformat()}"


def kept_values(
    kind: str,
    businesses: Iterable[ConnectedBusiness],
    versions: dict[int, int],
    *,
    today: date,
    compute: Callable[[list[ConnectedBusiness]], dict[int, Any]],
) -> dict[int, Any]:
    """Per business pk, the value kept under its version, or `compute` of the businesses without
    one (one call for all of them), which is then kept. `compute` answers every business it gets."""
    keys = {
        business.pk: (business, kept_key(kind, business, versions.get(business.pk, 0), today))
        for business in businesses
    }
    try:
        found = cache.get_many([key for _, key in keys.values()])
    except Exception:  # noqa: BLE001 - a cache outage only costs the sums
        logger.warning("%s: the cache could not be read", kind, exc_info=True)
        return compute([business for business, _ in keys.values()]) if keys else {}
    values = {pk: found[key] for pk, (_, key) in keys.items() if key in found}
    missing = [business for pk, (business, _) in keys.items() if pk not in values]
    if not missing:
        return values
    computed = compute(missing)
    try:
        cache.set_many(
            {keys[business.pk][1]: computed[business.pk] for business in missing}, KEPT_SECONDS
        )
    except Exception:  # noqa: BLE001
        logger.warning("%s: the cache could not be written", kind, exc_info=True)
    return {**values, **computed}
