"""Every expense of a run decided at once: the lines each client's draft takes, and the rest with
their reasons (rules in ``expenses``).

A client with billable expenses but no billable time still gets a draft: FreshBooks' own flow
bills expenses on their own too.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field

from invoicing.billing.errors import BillingInputError
from invoicing.billing.expenses import (
    ExpenseDecision,
    ExpenseFacts,
    ExpenseLine,
    ExpenseNotBilled,
    decide_expense,
)
from invoicing.billing.inputs import BusinessFacts, Catalog
from invoicing.billing.options import BillingOptions
from invoicing.billing.taxes import Tax


@dataclass(frozen=True)
class ExpensePlan:
    # Each client's expense lines, in expense id order.
    lines_by_client: dict[int, tuple[ExpenseLine, ...]] = field(default_factory=dict)
    not_billed: tuple[ExpenseDecision, ...] = ()


NO_EXPENSES = ExpensePlan()


def plan_expenses(
    expenses: Iterable[ExpenseFacts],
    *,
    catalog: Catalog,
    options: BillingOptions,
    business: BusinessFacts,
    reserved: Set[int] = frozenset(),
    known_taxes: Iterable[Tax] = (),
) -> ExpensePlan:
    """Decide each expense once; ``reserved`` are those already on one of our open drafts."""
    taxes = list(known_taxes)
    ordered = sorted(expenses, key=lambda expense: expense.freshbooks_id)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if previous.freshbooks_id == current.freshbooks_id:
            raise BillingInputError(f"expense {current.freshbooks_id} was given twice")
    lines: dict[int, list[ExpenseLine]] = {}
    not_billed: list[ExpenseDecision] = []
    for expense in ordered:
        decision = _decide(expense, catalog, options, business, reserved, taxes)
        if decision.line is not None and expense.client_id is not None:
            lines.setdefault(expense.client_id, []).append(decision.line)
        else:
            not_billed.append(decision)
    return ExpensePlan(
        lines_by_client={client_id: tuple(found) for client_id, found in lines.items()},
        not_billed=tuple(not_billed),
    )


def _decide(
    expense: ExpenseFacts,
    catalog: Catalog,
    options: BillingOptions,
    business: BusinessFacts,
    reserved: Set[int],
    taxes: list[Tax],
) -> ExpenseDecision:
    client = catalog.clients.get(expense.client_id) if expense.client_id is not None else None
    first = decide_expense(
        expense,
        period=options.period,
        choice=options.expenses,
        project_ids=_chosen_projects(expense, options),
        client_currency=(client.currency_code if client else None) or business.currency_code,
        reserved=reserved,
        known_taxes=taxes,
    )
    # A reason about the expense itself (deleted, billed, internal, outside the period) comes
    # first; then the client's, since the draft is the client's.
    if first.reason in _OWN_REASONS:
        return first
    if client is None:
        detail = (
            "The expense has no client to bill it to."
            if expense.client_id is None
            else f"Its client #{expense.client_id} is not synced yet."
        )
        return ExpenseDecision(expense, reason=ExpenseNotBilled.NO_CLIENT, detail=detail)
    if not client.active:
        return ExpenseDecision(
            expense,
            reason=ExpenseNotBilled.CLIENT_ARCHIVED,
            detail=f"{client.name} is {client.status} in FreshBooks.",
        )
    if expense.client_id in options.excluded_client_ids:
        return ExpenseDecision(expense, reason=ExpenseNotBilled.LEFT_OUT)
    return first


_OWN_REASONS = frozenset(
    {
        ExpenseNotBilled.DELETED,
        ExpenseNotBilled.ALREADY_BILLED,
        ExpenseNotBilled.NOT_BILLABLE,
        ExpenseNotBilled.OUTSIDE_PERIOD,
    }
)


def _chosen_projects(expense: ExpenseFacts, options: BillingOptions) -> frozenset[int]:
    """FreshBooks' "only those on the chosen projects": on a project the user did not leave out."""
    project_id = expense.project_id
    if project_id is None or project_id in options.excluded_project_ids:
        return frozenset()
    return frozenset({project_id})
