"""Notifications in the operators' console: read-only, a log of what was sent to whom."""

from __future__ import annotations

from django.contrib import admin

from integration_app.admin_tools import ReadOnlyAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "status", "subject", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__email", "event_key", "subject"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
