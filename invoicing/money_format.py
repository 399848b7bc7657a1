"""Money as people read it: "$55,637.50", "CA$1,204.00", "€980.00" (Babel's CLDR formats).

The one place amounts become text for pages; templates use the `money` filter
(`{% load money %}{{ amount|money:currency }}`), and `rate_money` for rates, which keep the
precision FreshBooks gives them ("$12.345").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, format_currency
from django.conf import settings
from django.utils.translation import to_locale

DEFAULT_LOCALE = "en_US"


def money_locale() -> str:
    return to_locale(settings.LANGUAGE_CODE or "en-us") or DEFAULT_LOCALE


def format_money(amount: object, currency_code: str | None, *, full_precision: bool = False) -> str:
    """`amount` (Decimal, int or a decimal string) in `currency_code`'s format; "" for None.

    Always two decimal places for two-decimal currencies, so 0 shows as "$0.00"; with
    `full_precision` (rates) more places stay as they are ("$12.345", never "$12.35"). An amount
    that is not a number is shown as it is, never hidden behind an error page.
    """
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    code = (currency_code or "").strip().upper()
    if not value.is_finite():
        return str(amount)
    if full_precision:
        value = value.normalize()  # "12.3450" is the rate 12.345
    else:
        value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # as billing rounds
    places = max(2, -int(value.as_tuple().exponent)) if full_precision else 2
    plain = f"{value:,.{places}f}" if full_precision else f"{value:,.2f}"
    if not code:
        return plain
    try:
        return format_currency(
            value,
            code,
            locale=money_locale(),
            currency_digits=True,
            decimal_quantization=not full_precision,
        )
    except (UnknownCurrencyError, ValueError):
        return f"{plain} {code}"


def format_rate(rate: object, currency_code: str | None) -> str:
    """A rate per hour in its currency's format at the precision it is billed at ("$12.345")."""
    return format_money(rate, currency_code, full_precision=True)
