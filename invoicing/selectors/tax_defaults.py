"""Reads of a business's taxes and its local tax defaults: for the Rates page and for billing.

A mirrored tax is usable when FreshBooks still lists it and its percent is 0 to 100. The sync keeps
a percent outside that range as no percent (``invoicing.sync.expense_mappers``) and the raw body
keeps what FreshBooks sent, so the reason can name it. A default naming an unusable tax is never
applied: its time is held back with the reason (``TaxDefaults.problem_for_line``).

Every function takes an already-authorised business (``connections.selectors.business_for_user``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness
from invoicing.billing.errors import BillingInputError
from invoicing.billing.money import rate_text
from invoicing.billing.taxes import NO_TAX, LineTaxes, TaxDefaults, line_taxes_of
from invoicing.billing.taxes import Tax as BillingTax
from invoicing.models import Tax, TaxDefault

FIX_WHERE = "correct it in FreshBooks or choose other taxes on the Rates page"


@dataclass(frozen=True)
class TaxChoice:
    """One of the business's taxes as the Rates page offers it."""

    id: int
    name: str
    percent: Decimal | None
    compound: bool
    problem: str | None  # why it cannot be charged (None: usable)

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def label(self) -> str:
        percent = f" ({_percent_text(self.percent)}%)" if self.percent is not None else ""
        compound = ", compound" if self.compound else ""
        return f"{self.display_name}{percent}{compound}"

    @property
    def display_name(self) -> str:
        return self.name or f"Tax #{self.id}"


def _percent_text(percent: Decimal) -> str:
    text = rate_text(percent)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _raw_percent(tax: Tax) -> str:
    raw = tax.raw.get("amount") if isinstance(tax.raw, dict) else None
    return str(raw).strip() if raw not in (None, "") else ""


def tax_problem(tax: Tax | None, tax_id: int) -> str | None:
    """Why this tax cannot be charged, as a clause ("the tax HST is 150% in FreshBooks, ..."),
    or None when it can."""
    if tax is None or not tax.active:
        name = (tax.name if tax is not None else "") or f"#{tax_id}"
        return f"the tax {name} was deleted in FreshBooks; choose other taxes on the Rates page"
    name = tax.name or f"#{tax_id}"
    if tax.percent is not None and Decimal(0) <= tax.percent <= Decimal(100):
        return None
    given = _raw_percent(tax)
    try:
        shown = f"{_percent_text(Decimal(given))}%" if given else ""
    except InvalidOperation:
        shown = ""
    if shown:
        return f"the tax {name} is {shown} in FreshBooks, but a tax must be 0 to 100%; {FIX_WHERE}"
    return f"the tax {name} has no percent in FreshBooks; {FIX_WHERE}"


def taxes_of(business: ConnectedBusiness) -> list[TaxChoice]:
    """The business's taxes FreshBooks still lists, by name, each with its problem if any."""
    return [
        TaxChoice(
            id=tax.freshbooks_id,
            name=tax.name,
            percent=tax.percent,
            compound=tax.compound,
            problem=tax_problem(tax, tax.freshbooks_id),
        )
        for tax in Tax.objects.filter(business=business, active=True).order_by(
            "name", "freshbooks_id"
        )
    ]


def _billing_tax(tax: Tax) -> BillingTax:
    if tax.percent is None:
        raise BillingInputError(f"tax {tax.freshbooks_id} has no percent")
    return BillingTax(
        name=tax.name or "Tax", percent=tax.percent, number=tax.number, compound=tax.compound
    )


def line_taxes_of_default(row: TaxDefault, taxes: dict[int, Tax]) -> tuple[LineTaxes, str | None]:
    """A saved default as line taxes, or why it cannot be applied."""
    chosen = []
    for tax_id in row.tax_ids:
        tax = taxes.get(tax_id)
        problem = tax_problem(tax, tax_id)
        if problem is not None or tax is None:
            return NO_TAX, problem
        chosen.append(_billing_tax(tax))
    return line_taxes_of(chosen), None


def tax_defaults_for(business: ConnectedBusiness) -> TaxDefaults:
    """The business's tax defaults as the billing rules take them (two queries)."""
    rows = list(TaxDefault.objects.filter(business=business))
    if not rows:
        return TaxDefaults()
    taxes = {tax.freshbooks_id: tax for tax in Tax.objects.filter(business=business)}
    business_taxes: LineTaxes = NO_TAX
    unusable_business: str | None = None
    by_client: dict[int, LineTaxes] = {}
    by_service: dict[int, LineTaxes] = {}
    unusable_by_client: dict[int, str] = {}
    unusable_by_service: dict[int, str] = {}
    for row in rows:
        line, problem = line_taxes_of_default(row, taxes)
        if row.scope == TaxDefault.Scope.BUSINESS:
            business_taxes, unusable_business = line, problem
        elif row.scope == TaxDefault.Scope.CLIENT and row.client_freshbooks_id is not None:
            if problem is None:
                by_client[row.client_freshbooks_id] = line
            else:
                unusable_by_client[row.client_freshbooks_id] = problem
        elif row.service_freshbooks_id is not None:
            if problem is None:
                by_service[row.service_freshbooks_id] = line
            else:
                unusable_by_service[row.service_freshbooks_id] = problem
    return TaxDefaults(
        business=business_taxes,
        by_client=by_client,
        by_service=by_service,
        unusable_business=unusable_business,
        unusable_by_client=unusable_by_client,
        unusable_by_service=unusable_by_service,
    )


# -- the Rates page's list of saved defaults ---------------------------------------------------


@dataclass(frozen=True)
class TaxDefaultRow:
    """A saved default as the Rates page lists it."""

    row: TaxDefault
    applies_to: str  # "The whole business", "Client Acme", "Service Design"
    taxes: str  # "GST (5%), QST (9.975%) compound", "No tax"
    problem: str | None  # why it is not applied (its time is held back), None when it is


def tax_default_rows(business: ConnectedBusiness, names: Any) -> list[TaxDefaultRow]:
    """The business's defaults, the business first, then clients and services by name."""
    taxes = {tax.freshbooks_id: tax for tax in Tax.objects.filter(business=business)}
    rows = []
    for row in TaxDefault.objects.filter(business=business):
        if row.scope == TaxDefault.Scope.BUSINESS:
            applies_to, order = "The whole business", (0, "")
        elif row.scope == TaxDefault.Scope.CLIENT and row.client_freshbooks_id is not None:
            name = names.client(row.client_freshbooks_id)
            applies_to, order = f"Client {name}", (1, name.casefold())
        else:
            name = names.service(row.service_freshbooks_id)
            applies_to, order = f"Service {name}", (2, name.casefold())
        line, problem = line_taxes_of_default(row, taxes)
        words = [tax.label for tax in (line.first, line.second) if tax is not None]
        if line.compound and len(words) == 2:
            words[1] += " compound"
        if problem is not None:
            words = [_tax_name(taxes.get(tax_id), tax_id) for tax_id in row.tax_ids]
        rows.append((order, TaxDefaultRow(row, applies_to, ", ".join(words) or "No tax", problem)))
    return [item for _, item in sorted(rows, key=lambda pair: (pair[0], pair[1].row.pk))]


def _tax_name(tax: Tax | None, tax_id: int) -> str:
    return (tax.name if tax is not None else "") or f"Tax #{tax_id}"


def tax_default_for(business: ConnectedBusiness, default_pk: int) -> TaxDefault:
    """The business's default `default_pk`; another business's (or user's) is a 404."""
    return get_object_or_404(TaxDefault, pk=default_pk, business=business)
