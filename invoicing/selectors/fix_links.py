"""The "fix" link next to unpriced time in a preview: where its missing rate is set.

The billing rules attach a `RateFix` to every unpriced entry; the preview snapshot keeps it as a
dict, and `rate_fix_link_for` (the Rates page's) turns it into the pre-filled link.
"""

from __future__ import annotations

from typing import Any

from connections.models import ConnectedBusiness
from invoicing.billing import RateFix
from invoicing.selectors.rates import RateNames, rate_fix_link_for


def fix_link_for(
    business: ConnectedBusiness, item: dict[str, Any], *, names: RateNames | None = None
) -> tuple[str, str]:
    """(url, label) of the fix of one not-billed item of a preview snapshot; ("", "") if none."""
    fix = item.get("rate_fix")
    link = rate_fix_link_for(business, RateFix(**fix) if fix else None, names=names)
    return (link.url, link.label) if link is not None else ("", "")
