"""The "fix" link next to unpriced time in a preview: where its missing rate is set.

The billing rules attach a `RateFix` to every unpriced entry; the preview snapshot keeps it as a
dict, and `rate_fix_link_for` (the Rates page's) turns it into the pre-filled link. A link from a
preview carries `preview=<run id>`: once the rate is saved, that preview is planned again and the
person is back on it (`invoicing.views.rates`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from connections.models import ConnectedBusiness
from invoicing.billing import RateFix
from invoicing.selectors.rates import RateNames, rate_fix_link_for

# The query parameter (and hidden form field) naming the preview a fix link came from.
PREVIEW_PARAMETER = "preview"


def fix_link_for(
    business: ConnectedBusiness,
    item: dict[str, Any],
    *,
    names: RateNames | None = None,
    preview_run_id: int | None = None,
) -> tuple[str, str]:
    """(url, label) of the fix of one not-billed item of a preview snapshot; ("", "") if none."""
    fix = item.get("rate_fix")
    link = rate_fix_link_for(business, RateFix(**fix) if fix else None, names=names)
    if link is None:
        return ("", "")
    return (with_preview(link.url, preview_run_id), link.label)


def with_preview(url: str, preview_run_id: int | None) -> str:
    """`url` with `preview=<id>` added to its query (before any #anchor)."""
    if preview_run_id is None:
        return url
    path, hash_mark, anchor = url.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}{urlencode({PREVIEW_PARAMETER: preview_run_id})}{hash_mark}{anchor}"
