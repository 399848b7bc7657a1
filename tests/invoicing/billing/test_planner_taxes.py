"""Taxes on planned drafts: each time line carries the taxes of its service, else its client, else
the business; a line never mixes taxes; a draft's totals add each tax to its subtotal as the
created invoice will; a default naming an unusable tax holds the time back with the reason."""

from decimal import Decimal

from invoicing.billing.taxes import (
    NO_TAX,
    LineTaxes,
    Tax,
    TaxDefaults,
    TaxedLine,
    TaxTotal,
    line_taxes_of,
)

from .builders import ACME, BETA, DESIGN, DEVELOPMENT, entry, plan

HST = Tax("HST", Decimal("13"))
GST = Tax("GST", Decimal("5"))
QST = Tax("QST", Decimal("9.975"), compound=True)


def test_without_tax_defaults_the_total_is_the_subtotal():
    (draft,) = plan([entry(1, minutes=90)]).drafts
    assert draft.totals.taxes == ()
    assert draft.subtotal == draft.total == Decimal("150.00")
    assert draft.lines[0].taxes == NO_TAX


def test_the_business_default_taxes_every_line_and_the_total():
    defaults = TaxDefaults(business=LineTaxes(HST))
    (draft,) = plan([entry(1, minutes=90)], taxes=defaults).drafts
    assert draft.lines[0].taxes == LineTaxes(HST)
    assert draft.subtotal == Decimal("150.00")
    assert draft.totals.taxes == (TaxTotal("HST", Decimal("13"), Decimal("19.50")),)
    assert draft.total == Decimal("169.50")


def test_service_beats_client_beats_business():
    defaults = TaxDefaults(
        business=LineTaxes(HST),
        by_client={ACME: LineTaxes(GST)},
        by_service={DESIGN: NO_TAX},
    )
    result = plan(
        [
            entry(1, client_id=ACME, service_id=DESIGN),  # the service says no tax
            entry(2, client_id=ACME, service_id=DEVELOPMENT),  # the client's GST
            entry(3, client_id=BETA, project_id=None, service_id=None),  # the business's HST
        ],
        rules=[],
        taxes=defaults,
        grouping="detailed",
    )
    taxes = {line.entry_ids: line.taxes for draft in result.drafts for line in draft.lines}
    assert taxes[(1,)] == NO_TAX
    assert taxes[(2,)] == LineTaxes(GST)


def test_a_line_never_mixes_taxes_even_in_a_single_line_grouping():
    defaults = TaxDefaults(by_service={DESIGN: LineTaxes(HST)})
    (draft,) = plan(
        [entry(1, service_id=DESIGN), entry(2, service_id=DEVELOPMENT)],
        taxes=defaults,
        grouping="single",
    ).drafts
    assert sorted((line.entry_ids, line.taxes) for line in draft.lines) == sorted(
        [((1,), LineTaxes(HST)), ((2,), NO_TAX)], key=lambda pair: pair[0]
    )
    assert draft.total == Decimal("213.00")  # 100 + 13 + 100


def test_a_compound_tax_goes_second_and_is_charged_on_the_first():
    taxes = line_taxes_of([QST, GST])
    assert (taxes.first, taxes.second, taxes.compound) == (GST, QST, True)
    (draft,) = plan([entry(1)], taxes=TaxDefaults(business=taxes)).drafts
    assert [tax.amount for tax in draft.totals.taxes] == [Decimal("5.00"), Decimal("10.47")]
    assert draft.total == Decimal("115.47")


def test_totals_by_currency_include_taxes():
    result = plan([entry(1)], taxes=TaxDefaults(business=LineTaxes(HST)))
    assert result.totals_by_currency == {"USD": Decimal("113.00")}


def test_taxed_lines_are_what_the_totals_are_computed_over():
    defaults = TaxDefaults(business=LineTaxes(HST))
    (draft,) = plan([entry(1), entry(2, minutes=30)], taxes=defaults).drafts
    assert draft.taxed_lines() == [TaxedLine(line.amount, LineTaxes(HST)) for line in draft.lines]


def test_an_unusable_default_holds_the_clients_time_back_with_its_reason():
    reason = "the tax HST is 150% in FreshBooks, but a tax must be 0 to 100%"
    defaults = TaxDefaults(business=LineTaxes(GST), unusable_by_client={ACME: reason})
    result = plan(
        [entry(1, client_id=ACME), entry(2, client_id=BETA, project_id=None)],
        taxes=defaults,
        rules=[],
    )
    (acme,) = [draft for draft in result.drafts if draft.client_id == ACME]
    assert acme.blocked
    assert acme.blocked_reason == "The tax HST is 150% in FreshBooks, but a tax must be 0 to 100%."
    assert acme.lines[0].taxes == NO_TAX  # never applied without the tax it should carry
    assert acme not in result.drafts_to_create


def test_an_unusable_service_default_wins_over_a_usable_client_default():
    defaults = TaxDefaults(
        by_client={ACME: LineTaxes(GST)}, unusable_by_service={DESIGN: "the tax X was deleted"}
    )
    assert defaults.problem_for_line(client_id=ACME, service_id=DESIGN) == "the tax X was deleted"
    assert defaults.problem_for_line(client_id=ACME, service_id=DEVELOPMENT) is None
    assert defaults.for_line(client_id=ACME, service_id=DEVELOPMENT) == LineTaxes(GST)
