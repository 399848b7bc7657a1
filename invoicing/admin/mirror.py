"""Operators' console for the mirrors and sync runs: read-only logs with status badges and
filters. Lists join their business in the list query and skip the full count, so they stay fast
with 100,000 time entries."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from connections.admin import colour_badge
from invoicing.models import Client, Project, Service, SyncRun, TeamMember, TimeEntry

SYNC_RUN_TONES = {
    SyncRun.Status.QUEUED: "muted",
    SyncRun.Status.RUNNING: "warn",
    SyncRun.Status.SUCCEEDED: "ok",
    SyncRun.Status.FAILED: "error",
    SyncRun.Status.SKIPPED: "muted",
}


class ReadOnlyAdmin(admin.ModelAdmin):
    list_select_related = ["business"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "kind",
        "status_badge",
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
        "short_error",
    ]
    list_filter = ["status", "kind", "trigger"]
    search_fields = ["business__name", "business__account_id", "error"]
    date_hierarchy = "created_at"

    @admin.display(description="status", ordering="status")
    def status_badge(self, run: SyncRun) -> str:
        return colour_badge(SYNC_RUN_TONES.get(run.status, "muted"), run.get_status_display())

    @admin.display(description="error")
    def short_error(self, run: SyncRun) -> str:
        return run.error[:80]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "freshbooks_id",
        "business",
        "started_at",
        "duration_seconds",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "billing_badge",
        "active",
        "is_logged",
    ]
    list_filter = ["billable", "billed", "active", "is_logged"]
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
class ClientAdmin(ReadOnlyAdmin):
    list_display = ["freshbooks_id", "display_name", "email", "currency_code", "active", "business"]
    list_filter = ["active", "currency_code"]
    search_fields = ["display_name", "email", "=freshbooks_id"]


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
    search_fields = ["title", "=freshbooks_id"]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["freshbooks_id", "name", "billable", "active", "business"]
    list_filter = ["billable", "active"]
    search_fields = ["name", "=freshbooks_id"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["identity_id", "name", "email", "billable_rate", "active", "business"]
    list_filter = ["active"]
    search_fields = ["name", "email", "=identity_id"]


# Invoice runs, drafts, rate rules and billing policies live in their own module.
from invoicing import invoice_admin  # noqa: E402,F401
