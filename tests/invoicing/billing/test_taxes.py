"""Line taxes and invoice totals: FreshBooks' two taxes per line, compound or not, and the rounding
rule (line amounts in cents, the tax summed exactly and rounded once)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing.errors import BillingInputError
from invoicing.billing.taxes import (
    LineTaxes,
    Tax,
    TaxDefaults,
    TaxedLine,
    TaxTotal,
    invoice_totals,
    line_taxes_named,
)
from sandbox.store.invoice_amounts import recompute, tax_summary

HST = Tax("HST", Decimal("13"))
GST = Tax("GST", Decimal("5"))
QST = Tax("QST", Decimal("9.975"))


def test_the_recorded_invoice_without_its_discount():
    """4 × 5.00 at 13% HST and 6 × 4.00 untaxed: 44.00 + 2.60 = 46.60."""
    totals = invoice_totals([TaxedLine(Decimal("20.00"), LineTaxes(HST)), TaxedLine(Decimal(24))])
    assert (totals.subtotal, totals.total) == (Decimal("44.00"), Decimal("46.60"))
    assert totals.taxes == (TaxTotal("HST", Decimal("13"), Decimal("2.60")),)


def test_tax_is_rounded_once_on_the_invoice_not_per_line():
    """Two lines of 0.05 at 10% owe 0.01 between them (per line it would be 0.02)."""
    ten = LineTaxes(Tax("VAT", Decimal(10)))
    totals = invoice_totals([TaxedLine(Decimal("0.05"), ten), TaxedLine(Decimal("0.05"), ten)])
    assert totals.tax == Decimal("0.01")
    assert totals.total == Decimal("0.11")


def test_a_compound_second_tax_is_charged_on_the_amount_plus_the_first():
    plain = invoice_totals([TaxedLine(Decimal("100.00"), LineTaxes(GST, QST))])
    compound = invoice_totals([TaxedLine(Decimal("100.00"), LineTaxes(GST, QST, compound=True))])
    assert plain.total == Decimal("114.98")  # 100 + 5 + 9.975
    assert compound.total == Decimal("115.47")  # 100 + 5 + 10.47375
    assert [t.amount for t in compound.taxes] == [Decimal("5.00"), Decimal("10.47")]


def test_each_tax_shown_adds_up_to_the_total():
    """Three lines whose per-tax roundings would lose a cent: the last tax takes the difference."""
    lines = [TaxedLine(Decimal("0.05"), LineTaxes(GST, HST)) for _ in range(3)]
    totals = invoice_totals(lines)
    assert totals.subtotal + sum(t.amount for t in totals.taxes) == totals.total


@pytest.mark.parametrize("percent", ["100.01", "-1", "250"])
def test_a_tax_percent_over_100_or_negative_is_refused_with_its_name(percent):
    with pytest.raises(BillingInputError, match="Odd"):
        Tax("Odd", Decimal(percent))


def test_a_second_tax_without_a_first_is_refused():
    with pytest.raises(BillingInputError):
        LineTaxes(None, GST)


def test_defaults_prefer_the_service_then_the_client_then_the_business():
    defaults = TaxDefaults(
        business=LineTaxes(HST),
        by_client={7: LineTaxes(GST)},
        by_service={3: LineTaxes(GST, QST, compound=True)},
    )
    assert defaults.for_line(client_id=7, service_id=3).second == QST
    assert defaults.for_line(client_id=7, service_id=4).first == GST
    assert defaults.for_line(client_id=8, service_id=None).first == HST


def test_an_expense_tax_without_a_percent_takes_the_business_tax_of_that_name():
    taxes = line_taxes_named([("hst", None)], [HST, GST], compound=False)
    assert taxes.first == Tax("hst", Decimal(13))
    with pytest.raises(BillingInputError, match="PST"):
        line_taxes_named([("PST", None)], [HST], compound=False)


def test_the_payload_is_what_freshbooks_takes():
    payload = LineTaxes(Tax("GST", Decimal(5), number="RT 1"), QST, compound=True).payload()
    assert payload == {
        "taxName1": "GST",
        "taxAmount1": "5.00",
        "taxNumber1": "RT 1",
        "taxName2": "QST",
        "taxAmount2": "9.975",
        "compounded_tax": True,
    }


percents = st.decimals(min_value=0, max_value=100, places=3)
taxes = st.builds(Tax, name=st.sampled_from(["GST", "HST", "PST", "QST"]), percent=percents)
line_taxes = st.one_of(
    st.just(LineTaxes()),
    st.builds(LineTaxes, first=taxes),
    st.builds(LineTaxes, first=taxes, second=taxes, compound=st.booleans()),
)
amounts = st.decimals(min_value=0, max_value=100_000, places=2)


def _sandbox_invoice(lines: list[TaxedLine]) -> dict:
    """The sandbox's own arithmetic for the same lines, as it stores a created invoice."""
    invoice = {
        "currency_code": "CAD",
        "discount_value": "0",
        "status": 1,
        "lines": [
            {
                "amount": {"amount": str(line.amount)},
                "taxName1": line.taxes.first.name if line.taxes.first else "",
                "taxAmount1": str(line.taxes.first.percent if line.taxes.first else 0),
                "taxName2": line.taxes.second.name if line.taxes.second else None,
                "taxAmount2": str(line.taxes.second.percent if line.taxes.second else 0),
                "compounded_tax": line.taxes.compound,
            }
            for line in lines
        ],
    }
    recompute(invoice)
    return invoice


@settings(max_examples=300, deadline=None)
@given(st.lists(st.builds(TaxedLine, amount=amounts, taxes=line_taxes), max_size=12))
def test_totals_equal_the_sandboxs_invoice_to_the_cent(lines):
    totals = invoice_totals(lines)
    invoice = _sandbox_invoice(lines)
    assert totals.total == Decimal(invoice["amount"]["amount"])
    summary = {
        (item["name"], Decimal(item["rate"])): item["amount"] for item in tax_summary(invoice)
    }
    ours = {(tax.name, tax.percent): tax.amount for tax in totals.taxes if tax.percent or tax.name}
    assert sum(ours.values(), Decimal(0)) == sum(summary.values(), Decimal(0))
