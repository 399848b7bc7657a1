"""Line taxes and invoice totals, computed as FreshBooks computes the created invoice.

A line carries up to two taxes (FreshBooks' ``taxName1/taxAmount1``, ``taxName2/taxAmount2``,
where ``taxAmountN`` is a percent). With ``compounded_tax`` the second tax is charged on the line
amount plus the first tax (Québec's QST on GST, for example); otherwise both are charged on the
line amount.

The rounding rule. FreshBooks documents none: its API reference, the official SDKs and their test
fixtures (searched through the tool library, summarised in ``shared/reference/freshbooks-api.md``)
show line amounts already in cents and a tax percent per line, but never say whether tax is rounded
per line or per invoice, and the one recorded invoice (4 × 5.00 at 13% plus 6 × 4.00, 41.94) comes
out the same either way. The sandbox, which stands in for FreshBooks here, fixes the rule, and the
preview must equal the invoice it computes to the cent, so this module follows it exactly:

1. each line's amount is ``qty × unit cost`` rounded half up to cents (``money.line_amount``);
2. each line's taxes are computed on that amount **without rounding**;
3. the invoice's tax is the sum of every line's taxes, rounded half up to cents **once**;
4. total = subtotal + that tax. Per-tax figures (the preview's "HST 13%: 12.34") are each
   rounded to cents, and any rounding difference (under a cent per tax) goes to the last one,
   so the figures shown always add up to the total.

Summing first loses less than rounding each line: two lines of 0.05 at 10% owe 0.01, not 0.02.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from invoicing.billing.errors import BillingInputError
from invoicing.billing.money import quantize_cents, rate_text, to_decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tax:
    """A tax as a line carries it: a name (what the invoice prints) and a percent, 0 to 100."""

    name: str
    percent: Decimal
    number: str = ""
    compound: bool = False

    def __post_init__(self) -> None:
        percent = to_decimal(self.percent)
        if not Decimal(0) <= percent <= HUNDRED:
            raise BillingInputError(
                f"The tax {self.name or '(no name)'} is {percent}%: a tax must be 0 to 100%."
            )
        object.__setattr__(self, "percent", percent)

    @property
    def label(self) -> str:
        return f"{self.name} ({rate_text(self.percent).rstrip('0').rstrip('.')}%)"


@dataclass(frozen=True)
class LineTaxes:
    """The one or two taxes of a line; ``compound`` when the second is charged on the first."""

    first: Tax | None = None
    second: Tax | None = None
    compound: bool = False

    def __post_init__(self) -> None:
        if self.second is not None and self.first is None:
            raise BillingInputError("A line's second tax needs a first tax.")
        if self.compound and self.second is None:
            object.__setattr__(self, "compound", False)

    def amounts(self, line_amount: Decimal) -> tuple[Decimal, Decimal]:
        """The exact (unrounded) first and second tax on ``line_amount``."""
        first = line_amount * self.first.percent / HUNDRED if self.first else Decimal(0)
        base = line_amount + first if self.compound else line_amount
        second = base * self.second.percent / HUNDRED if self.second else Decimal(0)
        return first, second

    def payload(self) -> dict[str, object]:
        """The line's tax fields as FreshBooks takes them."""
        fields: dict[str, object] = {}
        for number, tax in ((1, self.first), (2, self.second)):
            if tax is not None:
                fields[f"taxName{number}"] = tax.name
                fields[f"taxAmount{number}"] = rate_text(tax.percent)
                if tax.number:
                    fields[f"taxNumber{number}"] = tax.number
        if self.compound:
            fields["compounded_tax"] = True
        return fields


NO_TAX = LineTaxes()


@dataclass(frozen=True)
class TaxedLine:
    amount: Decimal
    taxes: LineTaxes = NO_TAX


@dataclass(frozen=True)
class TaxTotal:
    name: str
    percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    taxes: tuple[TaxTotal, ...] = field(default_factory=tuple)
    total: Decimal = Decimal("0.00")

    @property
    def tax(self) -> Decimal:
        return self.total - self.subtotal


def invoice_totals(lines: Iterable[TaxedLine]) -> InvoiceTotals:
    """Subtotal, each tax and the total of an invoice with these lines (rules in the docstring)."""
    subtotal = Decimal("0.00")
    exact: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        amount = quantize_cents(line.amount)
        subtotal += amount
        first, second = line.taxes.amounts(amount)
        for tax, value in ((line.taxes.first, first), (line.taxes.second, second)):
            if tax is not None:
                key = (tax.name, tax.percent)
                exact[key] = exact.get(key, Decimal(0)) + value
    tax_total = quantize_cents(sum(exact.values(), Decimal(0)))
    shown = [
        TaxTotal(name, percent, quantize_cents(value)) for (name, percent), value in exact.items()
    ]
    if shown:
        difference = tax_total - sum((item.amount for item in shown), Decimal(0))
        last = shown[-1]
        shown[-1] = TaxTotal(last.name, last.percent, last.amount + difference)
    return InvoiceTotals(subtotal=subtotal, taxes=tuple(shown), total=subtotal + tax_total)


@dataclass(frozen=True)
class TaxDefaults:
    """Local tax settings (FreshBooks has none for time): per service, per client, per business.

    The most specific wins: a service's taxes, else its client's, else the business's. A default
    naming a tax that cannot be applied (a percent over 100, negative or missing, or a tax deleted
    in FreshBooks) is in ``unusable_*`` with the reason; it wins exactly as a usable one would, so
    the time it covers is held back with that reason instead of being billed without its tax.
    """

    business: LineTaxes = NO_TAX
    by_client: dict[int, LineTaxes] = field(default_factory=dict)
    by_service: dict[int, LineTaxes] = field(default_factory=dict)
    unusable_business: str | None = None
    unusable_by_client: dict[int, str] = field(default_factory=dict)
    unusable_by_service: dict[int, str] = field(default_factory=dict)

    def for_line(self, *, client_id: int | None, service_id: int | None) -> LineTaxes:
        return self._pick(client_id, service_id)[0]

    def problem_for_line(self, *, client_id: int | None, service_id: int | None) -> str | None:
        """Why the taxes that apply to this time cannot be charged (None: they can)."""
        return self._pick(client_id, service_id)[1]

    def _pick(self, client_id: int | None, service_id: int | None) -> tuple[LineTaxes, str | None]:
        for key, usable, unusable in (
            (service_id, self.by_service, self.unusable_by_service),
            (client_id, self.by_client, self.unusable_by_client),
        ):
            if key is None:
                continue
            if key in unusable:
                return NO_TAX, unusable[key]
            if key in usable:
                return usable[key], None
        if self.unusable_business is not None:
            return NO_TAX, self.unusable_business
        return self.business, None


NO_TAX_DEFAULTS = TaxDefaults()


def line_taxes_of(taxes: Sequence[Tax]) -> LineTaxes:
    """One or two chosen taxes as a line carries them; the compound flag comes from the taxes.

    FreshBooks compounds a line's second tax (``compounded_tax``): a compound tax chosen with a
    plain one goes second, and the line is compound when its second tax is.
    """
    if len(taxes) > 2:
        raise BillingInputError("A line carries at most two taxes.")
    ordered = sorted(taxes, key=lambda tax: tax.compound)  # stable: plain taxes first
    first = ordered[0] if ordered else None
    second = ordered[1] if len(ordered) > 1 else None
    return LineTaxes(first=first, second=second, compound=second is not None and second.compound)


def line_taxes_named(
    names: Sequence[tuple[str, Decimal | None]], known: Iterable[Tax], *, compound: bool
) -> LineTaxes:
    """An expense's own taxes (name and, when FreshBooks gives it, percent) as line taxes.

    A tax given without a percent takes the percent of the business's tax of that name; one that
    is not known either raises ``BillingInputError`` naming it (the expense is then not billed).
    """
    by_name = {tax.name.strip().lower(): tax for tax in known}
    found: list[Tax] = []
    for name, percent in names:
        if not name:
            continue
        if percent is None:
            match = by_name.get(name.strip().lower())
            if match is None:
                raise BillingInputError(f"The tax {name} has no percent and is not a known tax.")
            percent = match.percent
        found.append(Tax(name=name, percent=percent))
    first = found[0] if found else None
    second = found[1] if len(found) > 1 else None
    return LineTaxes(first=first, second=second, compound=compound)
