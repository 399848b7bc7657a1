"""One call from facts to the drafts of a run: `plan_drafts`.

The result is what the preview renders and what the create-drafts service saves. A draft with
a `blocked_reason` must not be created; its lines are still shown so the user sees what is held.
`totals_by_currency` counts only drafts that will be created, taxes included.

Taxes: each time line carries the taxes the local defaults give its entries (`TaxDefaults`,
service over client over business). Expenses (``expense_planning``) add their lines after a
client's time lines (``expense_lines``) with their own taxes, and a client with billable expenses
but no billable time gets a draft of expenses alone. A draft's `totals` (subtotal, each tax,
total) are what FreshBooks computes for the invoice: ``invoice_totals`` over
``DraftPlan.taxed_lines()``, the one list every kind of line joins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from invoicing.billing.eligibility import EntryAssessment, EntryAssessor, NotBilledReason
from invoicing.billing.errors import BillingInputError
from invoicing.billing.expense_planning import NO_EXPENSES, ExpensePlan, plan_expenses
from invoicing.billing.expenses import ExpenseDecision, ExpenseFacts, ExpenseLine
from invoicing.billing.grouping import LinePlan, PricedEntry, build_lines
from invoicing.billing.inputs import BusinessFacts, Catalog, TimeEntryFacts
from invoicing.billing.options import UNPRICED_HOLD, BillingOptions
from invoicing.billing.rates import RateFix, RateRule
from invoicing.billing.taxes import (
    NO_TAX_DEFAULTS,
    InvoiceTotals,
    LineTaxes,
    Tax,
    TaxDefaults,
    TaxedLine,
    invoice_totals,
)


@dataclass(frozen=True)
class NotBilledEntry:
    """An entry not billed, why, and (for unpriced time) where its rate is set (`rate_fix`)."""

    entry_id: int
    client_id: int | None
    reason: NotBilledReason
    detail: str
    project_id: int | None = None
    service_id: int | None = None
    team_member_id: int | None = None
    rate_fix: RateFix | None = None

    @property
    def shown_in_preview(self) -> bool:
        return self.reason.shown_in_preview


@dataclass(frozen=True)
class DraftPlan:
    client_id: int
    client_name: str
    currency_code: str
    lines: tuple[LinePlan, ...]
    entry_ids: tuple[int, ...]
    blocked_reason: str | None
    unique_key: str
    # The client's billable expenses, one line each after the time lines (FreshBooks' type 1).
    expense_lines: tuple[ExpenseLine, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.blocked_reason is not None

    @property
    def expense_ids(self) -> tuple[int, ...]:
        return tuple(line.expense_id for line in self.expense_lines)

    def taxed_lines(self) -> list[TaxedLine]:
        """Every line of the draft as its totals count it (amount and taxes), in invoice order:
        the time lines with their default taxes, then the expense lines with their own taxes."""
        time = [TaxedLine(line.amount, line.taxes) for line in self.lines]
        return time + [line.taxed_line() for line in self.expense_lines]

    @cached_property
    def totals(self) -> InvoiceTotals:
        """Subtotal, each tax and the total, as FreshBooks computes the created invoice."""
        return invoice_totals(self.taxed_lines())

    @property
    def subtotal(self) -> Decimal:
        return self.totals.subtotal

    @property
    def total(self) -> Decimal:
        """What the invoice comes to, taxes included."""
        return self.totals.total


@dataclass(frozen=True)
class BillingPlan:
    drafts: tuple[DraftPlan, ...]
    not_billed: tuple[NotBilledEntry, ...]
    totals_by_currency: dict[str, Decimal] = field(default_factory=dict)
    # Expenses of the period this run does not bill, each with its reason.
    expenses_not_billed: tuple[ExpenseDecision, ...] = ()

    @property
    def drafts_to_create(self) -> tuple[DraftPlan, ...]:
        return tuple(draft for draft in self.drafts if not draft.blocked)

    @property
    def not_billed_in_preview(self) -> tuple[NotBilledEntry, ...]:
        return tuple(item for item in self.not_billed if item.shown_in_preview)


def draft_unique_key(
    business_key: str, client_id: int, entry_ids: Iterable[int], expense_ids: Iterable[int] = ()
) -> str:
    """Stable across runs and processes: the same client, entries and expenses give the same key
    (a draft without expenses keeps the key it had before expenses were billed)."""
    ids = ",".join(str(entry_id) for entry_id in sorted(entry_ids))
    expenses = ",".join(str(expense_id) for expense_id in sorted(expense_ids))
    suffix = f"|expenses:{expenses}" if expenses else ""
    return hashlib.sha256(f"{business_key}|{client_id}|{ids}{suffix}".encode()).hexdigest()


def plan_drafts(
    *,
    entries: Iterable[TimeEntryFacts],
    catalog: Catalog,
    rules: Iterable[RateRule],
    options: BillingOptions,
    business: BusinessFacts,
    business_key: str,
    taxes: TaxDefaults = NO_TAX_DEFAULTS,
    expenses: Iterable[ExpenseFacts] = (),
    reserved_expense_ids: Set[int] = frozenset(),
    known_taxes: Iterable[Tax] = (),
) -> BillingPlan:
    """Decide every entry and expense, then build one draft per client from the eligible ones.

    `business_key` identifies the connected business (e.g. its FreshBooks business id) and
    goes into each draft's `unique_key`, so planning the same entries twice gives the same key.
    `taxes`: the local tax defaults that give each time line its taxes.
    `reserved_expense_ids` are expenses already on one of our open drafts; `known_taxes` the
    business's taxes (an expense tax named without a percent takes theirs).
    """
    options.validate()
    if not business_key:
        raise BillingInputError("business_key is required to key drafts uniquely")
    entry_list = sorted(entries, key=lambda entry: entry.id)
    _refuse_duplicate_ids(entry_list)
    assess = EntryAssessor(
        period=options.period,
        catalog=catalog,
        rules=sorted(rules, key=lambda rule: rule.id),
        business=business,
        unpriced=options.unpriced,
        excluded_client_ids=options.excluded_client_ids,
        excluded_project_ids=options.excluded_project_ids,
        excluded_entry_ids=options.excluded_entry_ids,
    )
    assessments = [assess(entry) for entry in entry_list]
    not_billed = tuple(_not_billed(item) for item in assessments if item.reason is not None)
    expense_plan = plan_expenses(
        expenses,
        catalog=catalog,
        options=options,
        business=business,
        reserved=reserved_expense_ids,
        known_taxes=known_taxes,
    )
    drafts = _drafts(assessments, catalog, options, business, business_key, taxes, expense_plan)
    totals: dict[str, Decimal] = {}
    for draft in drafts:
        if not draft.blocked:
            totals[draft.currency_code] = (
                totals.get(draft.currency_code, Decimal("0.00")) + draft.total
            )
    return BillingPlan(
        drafts=drafts,
        not_billed=not_billed,
        totals_by_currency=dict(sorted(totals.items())),
        expenses_not_billed=expense_plan.not_billed,
    )


def _not_billed(item: EntryAssessment) -> NotBilledEntry:
    if item.reason is None:
        raise BillingInputError(f"time entry {item.entry.id} is billed, not left out")
    entry = item.entry
    return NotBilledEntry(
        entry.id,
        entry.client_id,
        item.reason,
        item.detail,
        project_id=entry.project_id,
        service_id=entry.service_id,
        team_member_id=entry.team_member_id,
        rate_fix=item.rate.source.fix if item.rate is not None and item.reason.unpriced else None,
    )


def _drafts(
    assessments: list[EntryAssessment],
    catalog: Catalog,
    options: BillingOptions,
    business: BusinessFacts,
    business_key: str,
    taxes: TaxDefaults,
    expense_plan: ExpensePlan = NO_EXPENSES,
) -> tuple[DraftPlan, ...]:
    eligible_by_client: dict[int, list[PricedEntry]] = {}
    blocking_by_client: dict[int, list[EntryAssessment]] = {}
    tax_problems_by_client: dict[int, set[str]] = {}
    # Names, taxes and tax problems depend on the entry's client, project, service and member
    # only: looked up once per combination, not once per entry.
    looked_up: dict[tuple[int | None, ...], tuple[_Shown, str | None]] = {}
    for item in assessments:
        entry = item.entry
        client_id = entry.client_id
        if item.reason is None and client_id is not None:
            key = (client_id, entry.project_id, entry.service_id, entry.team_member_id)
            found = looked_up.get(key)
            if found is None:
                found = looked_up[key] = _names_and_taxes(entry, catalog, taxes)
            eligible_by_client.setdefault(client_id, []).append(_priced(item, found[0]))
            if found[1] is not None:
                tax_problems_by_client.setdefault(client_id, set()).add(found[1])
        elif item.reason is not None and item.reason.unpriced and client_id is not None:
            blocking_by_client.setdefault(client_id, []).append(item)

    drafts = []
    expense_lines = expense_plan.lines_by_client
    for client_id in sorted(eligible_by_client.keys() | expense_lines.keys()):
        priced_entries = eligible_by_client.get(client_id, [])
        client = catalog.clients[client_id]
        lines = tuple(
            build_lines(priced_entries, grouping=options.grouping, rounding=options.rounding)
        )
        entry_ids = tuple(sorted(item.entry.id for item in priced_entries))
        expenses = expense_lines.get(client_id, ())
        holding = options.unpriced == UNPRICED_HOLD
        blocking = blocking_by_client.get(client_id, []) if holding else []
        expense_ids = [line.expense_id for line in expenses]
        drafts.append(
            DraftPlan(
                client_id=client_id,
                client_name=client.name,
                currency_code=client.currency_code or business.currency_code,
                lines=lines,
                entry_ids=entry_ids,
                blocked_reason=_blocked_reason(
                    blocking,
                    len(lines) + len(expenses),
                    options,
                    tax_problems=sorted(tax_problems_by_client.get(client_id, ())),
                ),
                unique_key=draft_unique_key(business_key, client_id, entry_ids, expense_ids),
                expense_lines=expenses,
            )
        )
    return tuple(sorted(drafts, key=lambda draft: (draft.client_name.casefold(), draft.client_id)))


# What a priced entry shows: its service, project and team member names, and its line's taxes.
_Shown = tuple[str | None, str | None, str | None, LineTaxes]


def _names_and_taxes(
    entry: TimeEntryFacts, catalog: Catalog, taxes: TaxDefaults
) -> tuple[_Shown, str | None]:
    """What a priced entry shows (service, project and member names, its line's taxes), and
    why those taxes cannot be charged, if so."""
    shown = (
        catalog.service_name(entry.service_id),
        catalog.project_title(entry.project_id),
        catalog.team_member_name(entry.team_member_id),
        taxes.for_line(client_id=entry.client_id, service_id=entry.service_id),
    )
    return shown, taxes.problem_for_line(client_id=entry.client_id, service_id=entry.service_id)


def _priced(item: EntryAssessment, shown: _Shown) -> PricedEntry:
    if item.rate is None or item.rate.rate is None:
        raise BillingInputError(f"time entry {item.entry.id} is eligible but has no rate")
    service_name, project_title, team_member_name, line_taxes = shown
    return PricedEntry(
        entry=item.entry,
        local_date=item.local_date,
        rate=item.rate.rate,
        rate_label=item.rate.source.label,
        service_name=service_name,
        project_title=project_title,
        team_member_name=team_member_name,
        taxes=line_taxes,
    )


# Entry ids named in a held-back message; the "Not billed" list has every one.
IDS_LISTED = 5


def _blocked_reason(
    blocking: list[EntryAssessment],
    line_count: int,
    options: BillingOptions,
    *,
    tax_problems: Iterable[str] = (),
) -> str | None:
    reasons = []
    for reason, words in (
        (NotBilledReason.NO_RATE, "no rate"),
        (NotBilledReason.ZERO_RATE, "a zero rate"),
    ):
        ids = sorted(item.entry.id for item in blocking if item.reason == reason)
        if ids:
            listed = ", ".join(f"#{entry_id}" for entry_id in ids[:IDS_LISTED])
            if len(ids) > IDS_LISTED:
                listed += f" and {len(ids) - IDS_LISTED} more"
            noun = "entry has" if len(ids) == 1 else "entries have"
            reasons.append(f"{len(ids)} time {noun} {words} ({listed})")
    if reasons:
        reasons[-1] += (
            "; set a rate, or choose to leave unpriced time unbilled or to bill it as 0.00 "
            "lines, so this client's time is not billed partly"
        )
    if line_count > options.max_lines:
        advice = _grouping_advice(options.grouping)
        reasons.append(
            f"this draft would have {line_count} lines but FreshBooks takes at most "
            f"{options.max_lines} lines from time on one invoice; {advice}"
        )
    reasons.extend(tax_problems)
    if not reasons:
        return None
    # Pages put it after "Held back", so it says only why: "2 time entries have no rate (…)".
    sentence = "; ".join(reasons)
    return sentence[0].upper() + sentence[1:] + "."


def _grouping_advice(grouping: str) -> str:
    if grouping in {"detailed", "day"}:
        return "group by service, project or team member, or use a single line"
    return "choose a coarser grouping or a single line, or bill a shorter period"


def _refuse_duplicate_ids(entries: list[TimeEntryFacts]) -> None:
    for previous, current in zip(entries, entries[1:], strict=False):
        if previous.id == current.id:
            raise BillingInputError(f"time entry {current.id} was given twice")
