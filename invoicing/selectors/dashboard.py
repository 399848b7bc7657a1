"""The invoicing panel of the dashboard: open issues, unbilled time per business, what next.

Registered with `connections.panels` at start-up; reads only, in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from invoicing.billing.money import hours_from_seconds
from invoicing.money_format import format_money
from invoicing.selectors.issues import Issue, issues_for_user
from invoicing.selectors.unbilled import UnbilledSummary, unbilled_summaries


@dataclass(frozen=True)
class UnbilledRow:
    business_pk: int
    business_name: str
    summary: UnbilledSummary

    @property
    def amount_text(self) -> str:
        amounts = self.summary.amounts
        return ", ".join(format_money(total, code) for code, total in amounts.items()) or "—"


@dataclass(frozen=True)
class Hint:
    text: str
    label: str = ""
    url: str = ""


def dashboard_panel(user, connections: list) -> dict[str, Any] | None:
    businesses = [
        business for connection in connections for business in connection.active_businesses
    ]
    if not connections:
        return None
    issues = issues_for_user(user)
    summaries = unbilled_summaries(businesses, today=timezone.now().date())
    rows = [
        UnbilledRow(business.pk, business.name, summaries.get(business.pk, UnbilledSummary()))
        for business in businesses
    ]
    return {
        "template": "invoicing/dashboard_panel.html",
        "issues": issues,
        "unbilled": rows,
        "what_next": what_next(issues, rows),
    }


def what_next(issues: list[Issue], rows: list[UnbilledRow]) -> Hint:
    if issues:
        first = issues[0]
        return Hint(
            f"Start with the first issue below: {first.title} ({first.business_name})."
            if len(issues) > 1
            else f"Fix the issue below: {first.title} ({first.business_name}).",
            first.fix.label if first.fix.method == "get" else "",
            first.fix.url if first.fix.method == "get" else "",
        )
    if not rows:
        return Hint("Choose the businesses whose unbilled hours should become draft invoices.")
    priced = [row for row in rows if row.summary.amounts]
    if priced:
        row = max(priced, key=lambda row: row.summary.seconds)
        return Hint(
            f"{row.business_name} has {hours_text(row.summary.seconds)} unbilled worth "
            f"{row.amount_text}: preview its draft invoices.",
            "Preview invoices",
            reverse("invoices:new", args=[row.business_pk]),
        )
    unpriced = [row for row in rows if row.summary.seconds]
    if unpriced:
        row = max(unpriced, key=lambda row: row.summary.seconds)
        return Hint(
            f"{row.business_name} has {hours_text(row.summary.seconds)} unbilled without a "
            "rate: set its rates so the time can be billed.",
            "Set rates",
            reverse("invoicing:rates", args=[row.business_pk]),
        )
    return Hint("All caught up: no unbilled time. New time shows up here after the next sync.")


def hours_text(seconds: int) -> str:
    hours = hours_from_seconds(seconds)
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if hours == 1 else 2) % {"hours": hours}
