"""Operators' console for the mirrored expenses and taxes and the local tax defaults (read-only,
like the other mirrors)."""

from __future__ import annotations

from django.contrib import admin

from connections.admin.tenants import BusinessFilter
from invoicing.admin.mirror import MirrorAdmin
from invoicing.models import Expense, Tax, TaxDefault


@admin.register(Expense)
class ExpenseAdmin(MirrorAdmin):
    list_display = [
        "freshbooks_id",
        "business",
        "date",
        "vendor",
        "amount",
        "currency_code",
        "client_freshbooks_id",
        "status",
        "invoice_freshbooks_id",
        "active",
    ]
    list_filter = ["billable", "status", "active", "currency_code"]
    search_fields = ["=freshbooks_id", "=client_freshbooks_id", "=invoice_freshbooks_id", "vendor"]
    ordering = ["-date"]


@admin.register(Tax)
class TaxAdmin(MirrorAdmin):
    list_display = ["freshbooks_id", "name", "percent", "number", "compound", "active", "business"]
    list_filter = ["compound", "active"]
    search_fields = ["name", "=freshbooks_id"]


@admin.register(TaxDefault)
class TaxDefaultAdmin(MirrorAdmin):
    """Read-only: tax defaults are set on the business's Rates page, which checks every tax id."""

    list_display = [
        "business",
        "scope",
        "client_freshbooks_id",
        "service_freshbooks_id",
        "first_tax_freshbooks_id",
        "second_tax_freshbooks_id",
        "updated_at",
    ]
    list_filter = [BusinessFilter, "scope"]
