"""Operators' console for billing defaults, rate rules and invoice schedules (editable)."""

from __future__ import annotations

from django.contrib import admin

from invoicing.models import BillingPolicy, InvoiceSchedule, RateRule


@admin.register(BillingPolicy)
class BillingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "business",
        "grouping",
        "rounding_increment",
        "rounding_direction",
        "standard_rate",
    ]
    list_select_related = ["business"]


@admin.register(RateRule)
class RateRuleAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "business",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "service_freshbooks_id",
        "team_member_identity_id",
        "rate",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["business"]
    list_select_related = ["business"]


@admin.register(InvoiceSchedule)
class InvoiceScheduleAdmin(admin.ModelAdmin):
    list_display = ["business", "frequency", "weekday", "day_of_month", "period", "action"]
    list_filter = ["frequency", "action"]
    list_select_related = ["business"]
