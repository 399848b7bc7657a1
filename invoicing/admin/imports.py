"""Operators' console for CSV imports of hours: a read-only log (the file itself is not shown)."""

from __future__ import annotations

from django.contrib import admin

from integration_app.admin_tools import ReadOnlyAdmin
from invoicing.models import HoursImport


@admin.register(HoursImport)
class HoursImportAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "business",
        "filename",
        "tool",
        "status",
        "rows_done",
        "rows_to_import",
        "added",
        "skipped",
        "created_at",
    ]
    list_filter = ["status", "tool"]
    list_select_related = ["business"]
    search_fields = ["filename", "=business__name"]
    exclude = ["content"]
