"""Whether a time entry is billed in this run, and if not, the one reason why.

Checks run in this order and the first failing one is the reason:

1. `deleted`            the entry is inactive (soft-deleted in FreshBooks)
2. `already_billed`     FreshBooks says it is billed
3. `already_on_draft`   it is reserved by one of our drafts that is not voided
4. `outside_period`     its local start date is outside the run's period
5. `running_timer`      a timer is still running (`is_logged` false)
6. `not_billable`       marked non-billable
7. `left_out`           the user left it out: unticked it, or did not choose its client or project
8. `internal`           time on an internal project (not for a client)
9. `no_client`          no client (FreshBooks flags such time internal too: "no client" says
                        what to fix), or a client that has not been synced
   `internal`           then any other time FreshBooks flags internal
10. `client_archived`   its client is archived or deleted in FreshBooks
11. `fixed_price_project` its project is fixed-price (billed by amount, not by time)
12. `no_rate`           no rate could be found (see rates.py)
13. `zero_rate`         the rate is zero

Unpriced time (12 and 13) follows the run's `unpriced` choice (options.py): held back with its
client's draft (the default), left unbilled while the rest is billed, or billed at 0.00 so that
it shows on the invoice; billed, it is eligible at a rate of 0.00.

The first four mean "not a candidate at all"; the preview lists only the reasons in
`PREVIEW_REASONS`, the others are returned so callers can count them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from invoicing.billing.inputs import CLIENT_DELETED, BusinessFacts, Catalog, TimeEntryFacts
from invoicing.billing.money import to_decimal
from invoicing.billing.options import UNPRICED_HOLD, UNPRICED_ZERO
from invoicing.billing.periods import Period, business_zone, local_date
from invoicing.billing.rates import RateRule, RateSource, ResolvedRate, resolve_rate


class NotBilledReason(StrEnum):
    NOT_BILLABLE = "not_billable"
    ALREADY_BILLED = "already_billed"
    DELETED = "deleted"
    RUNNING_TIMER = "running_timer"
    NO_CLIENT = "no_client"
    CLIENT_ARCHIVED = "client_archived"
    INTERNAL = "internal"
    LEFT_OUT = "left_out"
    FIXED_PRICE_PROJECT = "fixed_price_project"
    ALREADY_ON_DRAFT = "already_on_draft"
    OUTSIDE_PERIOD = "outside_period"
    NO_RATE = "no_rate"
    ZERO_RATE = "zero_rate"

    @property
    def shown_in_preview(self) -> bool:
        return self in PREVIEW_REASONS

    @property
    def unpriced(self) -> bool:
        """Unpriced time: it holds back its client's draft when the run says "hold"."""
        return self in {NotBilledReason.NO_RATE, NotBilledReason.ZERO_RATE}


# Every billable entry of the period that is not billed, with its reason (billing.md).
PREVIEW_REASONS = frozenset(
    {
        NotBilledReason.FIXED_PRICE_PROJECT,
        NotBilledReason.NO_CLIENT,
        NotBilledReason.CLIENT_ARCHIVED,
        NotBilledReason.INTERNAL,
        NotBilledReason.NO_RATE,
        NotBilledReason.ZERO_RATE,
        NotBilledReason.RUNNING_TIMER,
        NotBilledReason.LEFT_OUT,
    }
)
ZERO = to_decimal("0.00")


class EntryAssessment(NamedTuple):
    """The verdict on one entry: `reason` None means it is billed at `rate`.

    A named tuple, not a dataclass: a plan makes one per entry, and a tuple is built in a tenth
    of the time a frozen dataclass takes."""

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
    unpriced: str = UNPRICED_HOLD,
    excluded_client_ids: frozenset[int] = frozenset(),
    excluded_project_ids: frozenset[int] = frozenset(),
    excluded_entry_ids: frozenset[int] = frozenset(),
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
    left_out = _left_out(entry, excluded_client_ids, excluded_project_ids, excluded_entry_ids)
    if left_out:
        return excluded(NotBilledReason.LEFT_OUT, left_out)
    project = catalog.projects.get(entry.project_id) if entry.project_id is not None else None
    if project is not None and project.internal:
        return excluded(
            NotBilledReason.INTERNAL,
            f"Project '{project.title}' is internal: its time is not billed to a client.",
        )
    # FreshBooks flags every entry without a client as internal: "no client" says what to fix.
    if entry.client_id is None:
        return excluded(
            NotBilledReason.NO_CLIENT, "The entry has no client; assign one to bill it."
        )
    if entry.internal:
        return excluded(
            NotBilledReason.INTERNAL,
            "FreshBooks marks this time as internal work, which no client is billed for.",
        )
    client = catalog.clients.get(entry.client_id)
    if client is None:
        return excluded(
            NotBilledReason.NO_CLIENT,
            f"Client #{entry.client_id} has not been synced yet; sync and try again.",
        )
    if not client.active:
        state = "deleted" if client.status == CLIENT_DELETED else "archived"
        return excluded(
            NotBilledReason.CLIENT_ARCHIVED,
            f"Client '{client.name}' is {state} in FreshBooks; restore the client to bill "
            "this time.",
        )
    if project is not None and project.is_fixed_price:
        return excluded(
            NotBilledReason.FIXED_PRICE_PROJECT,
            f"'{project.title}' is billed by amount, not by time.",
        )
    resolved = resolve_rate(entry, entry_date=day, catalog=catalog, rules=rules, business=business)
    if resolved.rate is None or resolved.rate == 0:
        return _unpriced(entry, day, resolved, unpriced)
    return EntryAssessment(
        entry, day, None, f"Billed at {resolved.rate} ({resolved.source.label})", resolved
    )


class EntryAssessor:
    """`assess_entry` for every entry of one plan, each verdict worked out once.

    An entry's verdict (reason, detail and rate) depends only on its flags, its client, project,
    service and team member, its local start date, and whether it was left out by id, never on
    its id, duration or note otherwise. So entries alike in those share one verdict: at 100,000
    entries the rules run a few thousand times instead of 100,000 (rates included: a rate is
    found once per client, project, service, member and day). Each entry still gets its own
    `EntryAssessment`, equal to what `assess_entry` gives it alone.
    """

    def __init__(
        self,
        *,
        period: Period,
        catalog: Catalog,
        rules: Iterable[RateRule],
        business: BusinessFacts,
        unpriced: str = UNPRICED_HOLD,
        excluded_client_ids: frozenset[int] = frozenset(),
        excluded_project_ids: frozenset[int] = frozenset(),
        excluded_entry_ids: frozenset[int] = frozenset(),
    ) -> None:
        self._zone = business_zone(business.timezone)
        self._excluded_entry_ids = excluded_entry_ids
        self._assess = partial(
            assess_entry,
            period=period,
            catalog=catalog,
            rules=list(rules),
            business=business,
            unpriced=unpriced,
            excluded_client_ids=excluded_client_ids,
            excluded_project_ids=excluded_project_ids,
            excluded_entry_ids=excluded_entry_ids,
        )
        self._verdicts: dict[tuple[object, ...], EntryAssessment] = {}

    def __call__(self, entry: TimeEntryFacts) -> EntryAssessment:
        # `local_date`, with the zone looked up once (TimeEntryFacts are timezone-aware).
        day = entry.started_at.astimezone(self._zone).date()
        key = (
            day,
            entry.client_id,
            entry.project_id,
            entry.service_id,
            entry.team_member_id,
            entry.active,
            entry.billed,
            entry.on_open_draft,
            entry.is_logged,
            entry.billable,
            entry.internal,
            entry.id in self._excluded_entry_ids,
        )
        known = self._verdicts.get(key)
        if known is None:
            known = self._verdicts[key] = self._assess(entry)
            return known
        return EntryAssessment(entry, day, known.reason, known.detail, known.rate)


def _left_out(
    entry: TimeEntryFacts,
    client_ids: frozenset[int],
    project_ids: frozenset[int],
    entry_ids: frozenset[int],
) -> str:
    if entry.id in entry_ids:
        return "You left this entry out of the preview."
    if entry.client_id is not None and entry.client_id in client_ids:
        return "You did not choose this client for the run."
    if entry.project_id is not None and entry.project_id in project_ids:
        return "You did not choose this project for the run."
    return ""


def _unpriced(
    entry: TimeEntryFacts, day: date, resolved: ResolvedRate, unpriced: str
) -> EntryAssessment:
    """No rate, or a zero rate: billed at 0.00 only when the run says so."""
    if resolved.rate is None:
        # Shown after a "No rate" label: the why alone ("Project 'X' has no rate set.").
        why = resolved.source.label.removeprefix("No rate: ")
        reason, detail = NotBilledReason.NO_RATE, why[:1].upper() + why[1:] + "."
    else:
        reason = NotBilledReason.ZERO_RATE
        detail = f"The rate is 0.00 ({resolved.source.label})."
    if unpriced != UNPRICED_ZERO:
        return EntryAssessment(entry, day, reason, detail, resolved)
    source = resolved.source
    billed_at_zero = ResolvedRate(
        ZERO,
        RateSource(
            source.kind,
            f"{source.label}; billed at 0.00 as chosen",
            source.rule_id,
            fix=source.fix,
        ),
    )
    return EntryAssessment(entry, day, None, billed_at_zero.source.label, billed_at_zero)
