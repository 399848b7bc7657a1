"""Operators' console for local users' connections to FreshBooks, with a disconnect action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from connections.models import (
    ConnectedBusiness,
    Connection,
)
from connections.selectors import (
    identity_health,
)
from connections.services.businesses import connection_disconnect
from integration_app.admin_tools import colour_badge


class ConnectedBusinessInline(admin.TabularInline):
    model = ConnectedBusiness
    fields = ("name", "business_id", "account_id", "role", "active", "sync_state", "last_synced_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "identity", "health_badge", "created_at", "disconnected_at"]
    list_select_related = ["user", "identity"]
    list_filter = [("disconnected_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "identity__email", "=identity__identity_id"]
    readonly_fields = ["user", "identity", "created_at", "disconnected_at"]
    inlines = [ConnectedBusinessInline]
    actions = ["disconnect_keep_data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="health")
    def health_badge(self, connection: Connection) -> str:
        if connection.disconnected_at is not None:
            return colour_badge("muted", "Disconnected")
        health = identity_health(connection.identity)
        return colour_badge(health.tone, health.label)

    @admin.action(description="Disconnect (keep the synced data)")
    def disconnect_keep_data(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset.filter(disconnected_at__isnull=True).select_related("identity"):
            outcome = connection_disconnect(connection=connection, delete_local_data=False)
            if outcome.fully_disconnected:
                self.message_user(request, f"{connection}: disconnected.", messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    f"{connection}: disconnected here; FreshBooks could not be reached to "
                    f"finish: {'; '.join(outcome.remote_failures)}",
                    messages.WARNING,
                )
