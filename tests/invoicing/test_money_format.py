"""Money and rates as people read them, in each currency's format."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.money_format import format_money, format_rate


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("55637.5"), "USD", "$55,637.50"),
        (Decimal("1204"), "CAD", "CA$1,204.00"),
        ("980.00", "EUR", "€980.00"),
        (Decimal("12.345"), "USD", "$12.35"),  # an amount: to the cent, half up
        (0, "USD", "$0.00"),
        (Decimal("10"), "", "10.00"),
        (None, "USD", ""),
        ("not a number", "USD", "not a number"),
    ],
)
def test_amounts_are_shown_to_the_cent_in_their_currency_format(amount, currency, text):
    assert format_money(amount, currency) == text


@pytest.mark.parametrize(
    ("rate", "currency", "text"),
    [
        (Decimal("12.345"), "USD", "$12.345"),
        ("12.3450", "CAD", "CA$12.345"),
        (Decimal("120"), "USD", "$120.00"),
        (Decimal("0.0001"), "EUR", "€0.0001"),
        (Decimal("1234.5678"), "", "1,234.5678"),
    ],
)
def test_rates_keep_their_full_precision_in_their_currency_format(rate, currency, text):
    assert format_rate(rate, currency) == text
