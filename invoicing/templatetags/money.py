"""`{{ amount|money:currency }}`: an amount formatted for its currency (see money_format);
`{{ rate|rate_money:currency }}`: a rate, at its full precision."""

from __future__ import annotations

from django import template

from invoicing.money_format import format_money, format_rate

register = template.Library()


@register.filter
def money(amount: object, currency_code: str | None = None) -> str:
    return format_money(amount, currency_code)


@register.filter
def rate_money(rate: object, currency_code: str | None = None) -> str:
    return format_rate(rate, currency_code)
