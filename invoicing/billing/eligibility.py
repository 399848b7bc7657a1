"""Whether a time entry is billed in this run, and if not, the one reason why.

Checks run in this order and the first failing one is the reason:

1. `deleted`            the entry is inactive (soft-deleted in FreshBooks)
2. `already_billed`     FreshBooks says it is billed
3. `already_on_draft`   it is reserved by one of our drafts that is not voided
4. `outside_period`     its local start date is outside the run's period
5. `running_timer`      a timer is still running (`is_logged` false)
6. `not_billable`       marked non-billable
7. `internal`           internal time (not for a client)
8. `no_client`          no client, or a client that has not been synced
9. `fixed_price_project` its project is fixed-price (billed by amount, not by time)
10. `no_rate`           no rate could be found (see rates.py)
11. `zero_rate`         the rate is zero and the run does not allow zero-rated lines

The first four mean "not a candidate at all"; the preview lists only the reasons in
`PREVIEW_REASONS`, the others are returned so callers can count them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from invoicing.billing.inputs import BusinessFacts, Catalog, TimeEntryFacts
from invoicing.billing.periods import Period, local_date
from invoicing.billing.rates import RateRule, ResolvedRate, resolve_rate


class NotBilledReason(StrEnum):
    NOT_BILLABLE = "not_billable"
    ALREADY_BILLED = "already_billed"
    DELETED = "deleted"
    RUNNING_TIMER = "running_timer"
    NO_CLIENT = "no_client"
    INTERNAL = "internal"
    FIXED_PRICE_PROJECT = "fixed_price_project"
    ALREADY_ON_DRAFT = "already_on_draft"
    OUTSIDE_PERIOD = "outside_period"
    NO_RATE = "no_rate"
    ZERO_RATE = "zero_rate"

    @property
    def shown_in_preview(self) -> bool:
        return self in PREVIEW_REASONS

    @property
    def blocks_draft(self) -> bool:
        """An unpriced entry blocks its client's draft unless the run allows zero rates."""
        return self in {NotBilledReason.NO_RATE, NotBilledReason.ZERO_RATE}


PREVIEW_REASONS = frozenset(
    {
        NotBilledReason.FIXED_PRICE_PROJECT,
        NotBilledReason.NO_CLIENT,
        NotBilledReason.NO_RATE,
        NotBilledReason.ZERO_RATE,
        NotBilledReason.RUNNING_TIMER,
    }
)


@dataclass(frozen=True)
class EntryAssessment:
    """The verdict on one entry: `reason` None means it is billed at `rate`."""

    entry: TimeEntryFacts
    local_date: date
    reason: NotBilledReason | None
    detail: str
    rate: ResolvedRate | None = None

    @property
    def eligible(self) -> bool:
        return self.reason is None


def assess_entry(
    entry: TimeEntryFacts,
    *,
    period: Period,
    catalog: Catalog,
    rules: Iterable[RateRule],
    business: BusinessFacts,
    allow_zero_rate: bool,
) -> EntryAssessment:
    day = local_date(entry.started_at, business.timezone)

    def excluded(reason: NotBilledReason, detail: str) -> EntryAssessment:
        return EntryAssessment(entry, day, reason, detail)

    if not entry.active:
        return excluded(NotBilledReason.DELETED, "The entry was deleted in FreshBooks.")
    if entry.billed:
        return excluded(NotBilledReason.ALREADY_BILLED, "FreshBooks marks the entry as billed.")
    if entry.on_open_draft:
        return excluded(NotBilledReason.ALREADY_ON_DRAFT, "The entry is already on a draft.")
    if not period.contains(day):
        return excluded(
            NotBilledReason.OUTSIDE_PERIOD,
            f"Started on {day.isoformat()}, outside {period.describe()}.",
        )
    if not entry.is_logged:
        return excluded(
            NotBilledReason.RUNNING_TIMER, "A timer is still running; stop it to bill this time."
        )
    if not entry.billable:
        return excluded(NotBilledReason.NOT_BILLABLE, "The entry is marked non-billable.")
    if entry.internal:
        return excluded(NotBilledReason.INTERNAL, "Internal time is not billed to a client.")
    if entry.client_id is None:
        return excluded(
            NotBilledReason.NO_CLIENT, "The entry has no client; assign one to bill it."
        )
    if entry.client_id not in catalog.clients:
        return excluded(
            NotBilledReason.NO_CLIENT,
            f"Client #{entry.client_id} has not been synced yet; sync and try again.",
        )
    project = catalog.projects.get(entry.project_id) if entry.project_id is not None else None
    if project is not None and project.is_fixed_price:
        return excluded(
            NotBilledReason.FIXED_PRICE_PROJECT,
            f"Project '{project.title}' is fixed-price; bill it by amount, not by time.",
        )
    resolved = resolve_rate(entry, entry_date=day, catalog=catalog, rules=rules, business=business)
    if resolved.rate is None:
        return EntryAssessment(entry, day, NotBilledReason.NO_RATE, resolved.source.label, resolved)
    if resolved.rate == 0 and not allow_zero_rate:
        return EntryAssessment(
            entry,
            day,
            NotBilledReason.ZERO_RATE,
            f"The rate is 0.00 ({resolved.source.label}); allow zero-rated lines to bill it.",
            resolved,
        )
    return EntryAssessment(
        entry, day, None, f"Billed at {resolved.rate} ({resolved.source.label})", resolved
    )
