"""Operators' console for the mirrors and sync runs: read-only logs with status filters."""

from django.contrib import admin

from invoicing.models import Client, Project, Service, SyncRun, TeamMember, TimeEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "kind",
        "status",
        "trigger",
        "added",
        "updated",
        "deleted",
        "skipped",
        "pages",
        "api_calls",
        "attempts",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "kind", "trigger"]
    list_select_related = ["business"]
    search_fields = ["business__name", "business__account_id", "error"]
    date_hierarchy = "created_at"


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "freshbooks_id",
        "business",
        "started_at",
        "duration_seconds",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "billable",
        "billed",
        "active",
        "is_logged",
    ]
    list_filter = ["billable", "billed", "active", "is_logged"]
    list_select_related = ["business"]
    search_fields = ["freshbooks_id", "note"]
    show_full_result_count = False


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    list_display = ["freshbooks_id", "display_name", "email", "currency_code", "active", "business"]
    list_filter = ["active", "currency_code"]
    list_select_related = ["business"]
    search_fields = ["display_name", "email", "freshbooks_id"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
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
    list_select_related = ["business"]
    search_fields = ["title", "freshbooks_id"]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["freshbooks_id", "name", "billable", "active", "business"]
    list_select_related = ["business"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["identity_id", "name", "email", "billable_rate", "active", "business"]
    list_select_related = ["business"]


# Invoice runs, drafts, rate rules and billing policies live in their own module.
from invoicing import invoice_admin  # noqa: E402,F401
