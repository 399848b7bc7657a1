"""Where a person sets a missing rate: the "fix" link next to unpriced time in a preview.

`rate_fix_link` is the one place that decides it. Until the Rates page exists, the business
standard rate links to the billing defaults (where it is entered) and every other rate is named
without a link; when a URL named `invoices:rates` or `invoicing:rates` exists, every rate links to
it with the ids that narrow it down.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from connections.models import ConnectedBusiness

RATES_URL_NAMES = ("invoices:rates", "invoicing:rates")


def _rates_page(business: ConnectedBusiness, query: dict[str, Any]) -> str:
    for name in RATES_URL_NAMES:
        try:
            url = reverse(name, kwargs={"business_pk": business.pk})
        except NoReverseMatch:
            continue
        present = {key: value for key, value in query.items() if value is not None}
        return f"{url}?{urlencode(present)}" if present else url
    return ""


def rate_fix_link(
    business: ConnectedBusiness,
    *,
    project_id: int | None = None,
    service_id: int | None = None,
    client_id: int | None = None,
    team_member_id: int | None = None,
    standard: bool = False,
) -> tuple[str, str]:
    """(url, label) of where to set the rate; the url is "" where no page can set it yet."""
    if standard:
        label = "Set the business standard rate"
        url = _rates_page(business, {"standard": 1}) or reverse(
            "invoices:policy", kwargs={"business_pk": business.pk}
        )
        return url, label
    if team_member_id is not None:
        label = "Set the team member's billable rate"
    elif project_id is not None and service_id is not None:
        label = "Set the service's rate for this project"
    elif project_id is not None:
        label = "Set the project's rate"
    elif service_id is not None:
        label = "Set the service's rate"
    else:
        label = "Add a rate rule for this client"
    query = {
        "project": project_id,
        "service": service_id,
        "client": client_id,
        "team_member": team_member_id,
    }
    return _rates_page(business, query), label


def fix_link_for(business: ConnectedBusiness, item: dict[str, Any]) -> tuple[str, str]:
    """The fix link of one unpriced not-billed item of a preview snapshot."""
    fix = item.get("fix") or ""
    if fix == "standard_rate":
        return rate_fix_link(business, standard=True)
    if fix == "team_member_rate":
        return rate_fix_link(
            business, project_id=item.get("project_id"), team_member_id=item.get("team_member_id")
        )
    if fix == "service_rate":
        return rate_fix_link(
            business, project_id=item.get("project_id"), service_id=item.get("service_id")
        )
    if fix in ("project_rate", "billing_method"):
        return rate_fix_link(business, project_id=item.get("project_id"))
    if fix == "rate_rule":
        return rate_fix_link(business, client_id=item.get("client_id"))
    return "", ""
