"""Which unbilled expenses a draft rebills, and the expense line each becomes.

FreshBooks' own "generate invoice" flow asks which unbilled expenses to add (support article
227602308): all of the client's unbilled billable expenses in the period, only those on the chosen
projects, or none. The same three choices are ``EXPENSES_ALL``, ``EXPENSES_PROJECTS`` and
``EXPENSES_NONE``.

An expense's ``amount`` includes its own taxes (the recorded body: 54.00 with 13% HST holds 6.21),
so its line is priced before tax: ``unit cost = (amount − its taxes) × (1 + markup %)``, rounded
half up to cents, quantity 1, and the line carries the expense's own taxes (never the local
defaults), so with no markup the client pays what the expense cost. The line is FreshBooks'
expense type (``type: 1`` with ``expenseid``); FreshBooks then marks the expense billed.

Checks, in order; the first failing one is the reason it is not billed:

1. ``deleted``            deleted in FreshBooks
2. ``already_billed``     on an invoice already (FreshBooks' ``invoiceid``), or on one of our drafts
3. ``not_billable``       an internal expense
4. ``outside_period``     dated outside the run's period
5. ``left_out``           the run's expense choice leaves it out (none, or not on a chosen project)
6. ``no_amount``          FreshBooks sent no usable amount
7. ``unknown_currency``   its currency is not a three-letter currency code
8. ``other_currency``     its currency is not its client's (a draft is in one currency)
9. ``unusable_tax``       one of its taxes has no usable percent, or they exceed its amount

The planner (``expense_planning``) checks first that the expense has a client (``no_client``), that
the client is active (``client_archived``) and that the user did not leave the client out
(``left_out``), since a draft is one client's.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicing.billing.errors import BillingInputError, BillingOptionsError
from invoicing.billing.money import quantize_cents
from invoicing.billing.periods import Period
from invoicing.billing.taxes import HUNDRED, LineTaxes, Tax, TaxedLine, line_taxes_named

EXPENSES_ALL = "all"
EXPENSES_PROJECTS = "projects"
EXPENSES_NONE = "none"
EXPENSE_CHOICES = {
    EXPENSES_ALL: "All of the client's unbilled expenses in the period",
    EXPENSES_PROJECTS: "Only expenses on the chosen projects",
    EXPENSES_NONE: "No expenses",
}


class ExpenseNotBilled(StrEnum):
    DELETED = "deleted"
    ALREADY_BILLED = "already_billed"
    NOT_BILLABLE = "not_billable"
    OUTSIDE_PERIOD = "outside_period"
    LEFT_OUT = "left_out"
    NO_AMOUNT = "no_amount"
    UNKNOWN_CURRENCY = "unknown_currency"
    OTHER_CURRENCY = "other_currency"
    UNUSABLE_TAX = "unusable_tax"
    NO_CLIENT = "no_client"
    CLIENT_ARCHIVED = "client_archived"

    @property
    def shown_in_preview(self) -> bool:
        """Listed under "Not billed": every reason but those of expenses nobody would bill."""
        return self not in {
            ExpenseNotBilled.DELETED,
            ExpenseNotBilled.NOT_BILLABLE,
            ExpenseNotBilled.OUTSIDE_PERIOD,
        }


@dataclass(frozen=True)
class ExpenseFacts:
    freshbooks_id: int
    client_id: int | None
    project_id: int | None
    date: date | None
    amount: Decimal | None
    currency_code: str
    billable: bool = True
    active: bool = True
    invoice_id: int | None = None
    markup_percent: Decimal = Decimal(0)
    tax_name1: str = ""
    tax_percent1: Decimal | None = None
    tax_amount1: Decimal | None = None
    tax_name2: str = ""
    tax_percent2: Decimal | None = None
    tax_amount2: Decimal | None = None
    compounded_tax: bool = False
    vendor: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ExpenseLine:
    expense_id: int
    name: str
    description: str
    unit_cost: Decimal
    taxes: LineTaxes

    @property
    def amount(self) -> Decimal:
        """Quantity 1: the line's amount (before tax) is its unit cost."""
        return self.unit_cost

    def taxed_line(self) -> TaxedLine:
        """The line as invoice totals take it, beside the time lines' (``taxes.invoice_totals``)."""
        return TaxedLine(amount=self.unit_cost, taxes=self.taxes)

    def payload(self, currency_code: str) -> dict[str, object]:
        """The invoice line FreshBooks takes for a rebilled expense."""
        return {
            "type": 1,
            "expenseid": self.expense_id,
            "name": self.name,
            "description": self.description,
            "qty": "1",
            "unit_cost": {"amount": str(self.unit_cost), "code": currency_code},
            **self.taxes.payload(),
        }


@dataclass(frozen=True)
class ExpenseDecision:
    expense: ExpenseFacts
    line: ExpenseLine | None = None
    reason: ExpenseNotBilled | None = None
    detail: str = ""


def _is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper()


def expense_line(expense: ExpenseFacts, known_taxes: Iterable[Tax]) -> ExpenseLine:
    """The line for a billable expense; ``BillingInputError`` if it cannot be priced."""
    if expense.amount is None:
        raise BillingInputError("The expense has no amount.")
    if expense.markup_percent < 0:
        raise BillingInputError("The expense's markup is negative.")
    taxes = line_taxes_named(
        [(expense.tax_name1, expense.tax_percent1), (expense.tax_name2, expense.tax_percent2)],
        known_taxes,
        compound=expense.compounded_tax,
    )
    held = (expense.tax_amount1 or Decimal(0)) + (expense.tax_amount2 or Decimal(0))
    net = expense.amount - held
    if net < 0:
        raise BillingInputError("The expense's taxes are more than its amount.")
    unit_cost = quantize_cents(net * (1 + expense.markup_percent / HUNDRED))
    name = expense.vendor or "Expense"
    return ExpenseLine(expense.freshbooks_id, name[:255], expense.notes, unit_cost, taxes)


def decide_expense(
    expense: ExpenseFacts,
    *,
    period: Period | None,
    choice: str,
    project_ids: Set[int],
    client_currency: str,
    reserved: Set[int] = frozenset(),
    known_taxes: Iterable[Tax] = (),
) -> ExpenseDecision:
    """Whether ``expense`` goes on its client's draft, and as which line (checks in the module
    docstring). ``reserved`` are expenses already on one of our live drafts."""
    if choice not in EXPENSE_CHOICES:
        raise BillingOptionsError("expenses", f"Unknown expense choice {choice!r}.")

    def no(reason: ExpenseNotBilled, detail: str = "") -> ExpenseDecision:
        return ExpenseDecision(expense, reason=reason, detail=detail)

    if not expense.active:
        return no(ExpenseNotBilled.DELETED)
    if expense.invoice_id is not None or expense.freshbooks_id in reserved:
        return no(ExpenseNotBilled.ALREADY_BILLED)
    if not expense.billable:
        return no(ExpenseNotBilled.NOT_BILLABLE)
    if period is not None and (
        expense.date is None or not period.start <= expense.date <= period.end
    ):
        return no(ExpenseNotBilled.OUTSIDE_PERIOD)
    if choice == EXPENSES_NONE or (
        choice == EXPENSES_PROJECTS and expense.project_id not in project_ids
    ):
        return no(ExpenseNotBilled.LEFT_OUT)
    if expense.amount is None:
        return no(ExpenseNotBilled.NO_AMOUNT, "FreshBooks gives this expense no amount.")
    if not _is_currency_code(expense.currency_code):
        return no(
            ExpenseNotBilled.UNKNOWN_CURRENCY,
            f"Its currency {expense.currency_code or '(none)'!s} is not a currency code.",
        )
    if expense.currency_code != client_currency:
        return no(
            ExpenseNotBilled.OTHER_CURRENCY,
            f"The expense is in {expense.currency_code}, the client is billed in "
            f"{client_currency}.",
        )
    try:
        line = expense_line(expense, known_taxes)
    except BillingInputError as error:
        return no(ExpenseNotBilled.UNUSABLE_TAX, str(error))
    return ExpenseDecision(expense, line=line)
