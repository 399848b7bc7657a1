"""Operators' console for sync runs: a read-only log with status badges and filters."""

from __future__ import annotations

from django.contrib import admin

from connections.admin.tenants import OWNER_PATH, BusinessFilter, TenantColumns
from integration_app.admin_tools import ReadOnlyAdmin, colour_badge
from invoicing.models import SyncRun

# Keyed by str: `run.status` is the column's str, and TextChoices members are strs.
SYNC_RUN_TONES: dict[str, str] = {
    SyncRun.Status.QUEUED: "muted",
    SyncRun.Status.RUNNING: "warn",
    SyncRun.Status.SUCCEEDED: "ok",
    SyncRun.Status.FAILED: "error",
    SyncRun.Status.SKIPPED: "muted",
}


@admin.register(SyncRun)
class SyncRunAdmin(TenantColumns, ReadOnlyAdmin):
    list_select_related = [OWNER_PATH]
    list_display = [
        "id",
        "business",
        "owner",
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
    list_filter = [BusinessFilter, "status", "kind", "trigger"]
    search_fields = ["business__name", "business__account_id", "error"]
    date_hierarchy = "created_at"

    @admin.display(description="status", ordering="status")
    def status_badge(self, run: SyncRun) -> str:
        return colour_badge(SYNC_RUN_TONES.get(run.status, "muted"), run.get_status_display())

    @admin.display(description="error")
    def short_error(self, run: SyncRun) -> str:
        return run.error[:80]
