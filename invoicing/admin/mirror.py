"""Operators' console for the mirrors: read-only copies of FreshBooks objects with filters.

Lists join their business in the list query and skip the full count, so they stay fast with
100,000 time entries.
"""

from __future__ import annotations

from django.contrib import admin

from connections.admin.tenants import OWNER_PATH, BusinessFilter, TenantColumns
from integration_app.admin_tools import ReadOnlyAdmin, colour_badge
from invoicing.models import Client, Project, Service, TeamMember, TimeEntry


class MirrorAdmin(TenantColumns, ReadOnlyAdmin):
    list_select_related = [OWNER_PATH]


@admin.register(TimeEntry)
class TimeEntryAdmin(MirrorAdmin):
    list_display = [
        "freshbooks_id",
        "business",
        "owner",
        "started_at",
        "duration_seconds",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "billing_badge",
        "active",
        "is_logged",
    ]
    list_filter = [BusinessFilter, "billable", "billed", "active", "is_logged"]
    search_fields = ["=freshbooks_id", "=client_freshbooks_id", "=project_freshbooks_id"]
    # Newest first on the (business, started_at) index instead of a sort by primary key.
    ordering = ["-started_at"]

    @admin.display(description="billing", ordering="billed")
    def billing_badge(self, entry: TimeEntry) -> str:
        if entry.billed:
            return colour_badge("ok", "billed")
        if entry.billable:
            return colour_badge("warn", "unbilled")
        return colour_badge("muted", "not billable")


@admin.register(Client)
class ClientAdmin(MirrorAdmin):
    list_display = ["freshbooks_id", "display_name", "email", "currency_code", "active", "business"]
    list_filter = ["active", "currency_code"]
    search_fields = ["display_name", "email", "=freshbooks_id"]


@admin.register(Project)
class ProjectAdmin(MirrorAdmin):
    list_display = [
        "freshbooks_id",
        "title",
        "billing_method",
        "project_type",
        "rate",
        "active",
        "business",
    ]
    list_filter = ["billing_method", "project_type", "active"]
    search_fields = ["title", "=freshbooks_id"]


@admin.register(Service)
class ServiceAdmin(MirrorAdmin):
    list_display = ["freshbooks_id", "name", "billable", "active", "business"]
    list_filter = ["billable", "active"]
    search_fields = ["name", "=freshbooks_id"]


@admin.register(TeamMember)
class TeamMemberAdmin(MirrorAdmin):
    list_display = ["identity_id", "name", "email", "billable_rate", "active", "business"]
    list_filter = ["active"]
    search_fields = ["name", "email", "=identity_id"]


# Invoice runs, drafts, rate rules and billing policies live in their own module.
from invoicing.admin import runs as invoice_admin  # noqa: E402,F401
