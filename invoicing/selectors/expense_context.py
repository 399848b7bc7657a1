"""Load a business's expenses in a run's scope into the billing core's facts (reads only).

In scope: live, billable expenses dated in the period (and of the chosen clients) that FreshBooks
shows on no invoice, plus, for a re-bill's preview, those on the invoice of the draft it replaces
(voiding that draft releases them before the replacement is created).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from connections.models import ConnectedBusiness
from invoicing.billing import BillingInputError, BillingOptions, ExpenseFacts, Tax
from invoicing.models import DraftExpense, DraftInvoice, Expense
from invoicing.models import Tax as TaxRow


@dataclass(frozen=True)
class ExpenseInputs:
    """What the planner needs about expenses: the facts, those already on our open drafts, the
    business's taxes, and the rows by FreshBooks id (to reserve them)."""

    facts: list[ExpenseFacts] = field(default_factory=list)
    reserved: frozenset[int] = frozenset()
    taxes: list[Tax] = field(default_factory=list)
    rows: dict[int, Expense] = field(default_factory=dict)


def candidate_expenses(
    business: ConnectedBusiness,
    options: BillingOptions,
    *,
    client_ids: Iterable[int] = (),
    replacing_draft_id: int | None = None,
) -> QuerySet[Expense]:
    unbilled = Q(invoice_freshbooks_id__isnull=True)
    replaced_invoice = _replaced_invoice_id(replacing_draft_id)
    if replaced_invoice is not None:
        unbilled |= Q(invoice_freshbooks_id=replaced_invoice)
    expenses = Expense.objects.filter(
        unbilled,
        business=business,
        active=True,
        billable=True,
        date__gte=options.period.start,
        date__lte=options.period.end,
    )
    client_ids = list(client_ids)
    if client_ids:
        expenses = expenses.filter(client_freshbooks_id__in=client_ids)
    return expenses.order_by("freshbooks_id")


def _replaced_invoice_id(draft_id: int | None) -> int | None:
    if draft_id is None:
        return None
    return (
        DraftInvoice.objects.filter(pk=draft_id).values_list("freshbooks_invoice_id", flat=True)
    ).first()


def expense_inputs(
    business: ConnectedBusiness,
    expenses: Iterable[Expense],
    *,
    replacing_draft_id: int | None = None,
) -> ExpenseInputs:
    rows = {row.freshbooks_id: row for row in expenses}
    reservations = DraftExpense.objects.filter(
        business_freshbooks_id=business.business_id,
        expense_freshbooks_id__in=list(rows),
        voided=False,
    )
    freed_invoice = _replaced_invoice_id(replacing_draft_id)
    if replacing_draft_id is not None:
        reservations = reservations.exclude(draft_id=replacing_draft_id)
    reserved = frozenset(reservations.values_list("expense_freshbooks_id", flat=True))
    facts = [expense_facts(row, freed_invoice=freed_invoice) for row in rows.values()]
    return ExpenseInputs(facts=facts, reserved=reserved, taxes=known_taxes(business), rows=rows)


def expense_facts(row: Expense, *, freed_invoice: int | None = None) -> ExpenseFacts:
    invoice_id = row.invoice_freshbooks_id
    return ExpenseFacts(
        freshbooks_id=row.freshbooks_id,
        client_id=row.client_freshbooks_id,
        project_id=row.project_freshbooks_id,
        date=row.date,
        amount=row.amount,
        currency_code=row.currency_code,
        billable=row.billable,
        active=row.active,
        invoice_id=None if invoice_id is not None and invoice_id == freed_invoice else invoice_id,
        markup_percent=row.markup_percent,
        tax_name1=row.tax_name1,
        tax_percent1=row.tax_percent1,
        tax_amount1=row.tax_amount1,
        tax_name2=row.tax_name2,
        tax_percent2=row.tax_percent2,
        tax_amount2=row.tax_amount2,
        compounded_tax=row.compounded_tax,
        vendor=row.vendor,
        notes=row.notes,
    )


def known_taxes(business: ConnectedBusiness) -> list[Tax]:
    """The business's usable taxes (a percent of 0 to 100), for expense taxes named only."""
    taxes = []
    for row in TaxRow.objects.filter(business=business, active=True, percent__isnull=False):
        try:
            taxes.append(Tax(name=row.name, percent=row.percent, number=row.number))
        except BillingInputError:
            continue
    return taxes
