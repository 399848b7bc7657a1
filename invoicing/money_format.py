"""Money as people read it: "$55,637.50", "CA$1,204.00", "€980.00" (Babel's CLDR formats).

The one place amounts become text for pages; templates use the `money` filter
(`{% load money %}{{ amount|money:currency }}`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, format_currency
from django.conf import settings
from django.utils.translation import to_locale

DEFAULT_LOCALE = "en_US"


def money_locale() -> str:
    return to_locale(settings.LANGUAGE_CODE or "en-us") or DEFAULT_LOCALE


def format_money(amount: object, currency_code: str | None) -> str:
    """`amount` (Decimal, int or a decimal string) in `currency_code`'s format; "" for None.

    Always two decimal places for two-decimal currencies, so 0 shows as "$0.00". An amount that is
    not a number is shown as it is, never hidden behind an error page.
    """
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    code = (currency_code or "").strip().upper()
    if not code:
        return f"{value:,.2f}"
    try:
        return format_currency(value, code, locale=money_locale(), currency_digits=True)
    except (UnknownCurrencyError, ValueError):
        return f"{value:,.2f} {code}"
