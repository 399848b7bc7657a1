"""`{{ amount|money:currency }}`: an amount formatted for its currency (see money_format)."""

from __future__ import annotations

from django import template

from invoicing.money_format import format_money

register = template.Library()


@register.filter
def money(amount: object, currency_code: str | None = None) -> str:
    return format_money(amount, currency_code)
