"""The preview snapshot: what the user was shown, stored as JSON on the run for the audit.

Every number comes from `plan_drafts`; the template only renders this document.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from invoicing.billing import BillingOptions, BillingPlan, Catalog, NotBilledReason
from invoicing.billing.money import hours_from_seconds, rate_text

REASON_LABELS = {
    NotBilledReason.NO_RATE: "No rate",
    NotBilledReason.ZERO_RATE: "Zero rate",
    NotBilledReason.FIXED_PRICE_PROJECT: "Fixed-price project",
    NotBilledReason.NO_CLIENT: "No client",
    NotBilledReason.RUNNING_TIMER: "Running timer",
    NotBilledReason.ALREADY_ON_DRAFT: "Already on a draft",
    NotBilledReason.NOT_BILLABLE: "Not billable",
    NotBilledReason.INTERNAL: "Internal",
}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def preview_snapshot(
    *,
    plan: BillingPlan,
    options: BillingOptions,
    catalog: Catalog,
    entry_dates: dict[int, str],
    entry_seconds: dict[int, int],
) -> dict[str, Any]:
    drafts = []
    for draft in plan.drafts:
        billed_seconds = sum(sum(line.billed_seconds.values()) for line in draft.lines)
        drafts.append(
            {
                "client_id": draft.client_id,
                "client_name": draft.client_name,
                "currency_code": draft.currency_code,
                "total": _money(draft.total),
                "hours": str(hours_from_seconds(billed_seconds)),
                "entry_count": len(draft.entry_ids),
                "blocked_reason": draft.blocked_reason,
                "unique_key": draft.unique_key,
                "lines": [
                    {
                        "name": line.name,
                        "description": line.description,
                        "quantity": str(line.quantity),
                        # The full-precision rate the amount is computed from (12.345).
                        "unit_cost": rate_text(line.unit_cost),
                        "amount": _money(line.amount),
                        "rate_sources": list(line.rate_sources),
                        "entry_count": len(line.entry_ids),
                    }
                    for line in draft.lines
                ],
            }
        )
    not_billed = []
    for item in plan.not_billed_in_preview:
        client = catalog.clients.get(item.client_id) if item.client_id is not None else None
        not_billed.append(
            {
                "entry_id": item.entry_id,
                "client_name": client.name if client else "",
                "date": entry_dates.get(item.entry_id, ""),
                "hours": str(hours_from_seconds(entry_seconds.get(item.entry_id, 0))),
                "reason": str(item.reason),
                "reason_label": REASON_LABELS.get(item.reason, str(item.reason)),
                "detail": item.detail,
            }
        )
    skipped = Counter(str(item.reason) for item in plan.not_billed if not item.shown_in_preview)
    return {
        "period": options.period.describe(),
        "grouping": options.grouping,
        "rounding": options.rounding.describe(),
        "allow_zero_rate": options.allow_zero_rate,
        "drafts": drafts,
        "drafts_to_create": len(plan.drafts_to_create),
        "not_billed": not_billed,
        "skipped_counts": dict(sorted(skipped.items())),
        "totals_by_currency": {
            code: _money(total) for code, total in plan.totals_by_currency.items()
        },
    }
