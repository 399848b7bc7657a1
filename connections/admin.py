"""Operators' console for connections. Tokens are never shown."""

from django.contrib import admin

from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity


@admin.register(FreshBooksIdentity)
class FreshBooksIdentityAdmin(admin.ModelAdmin):
    list_display = [
        "identity_id",
        "email",
        "state",
        "access_token_expires_at",
        "last_refreshed_at",
        "consecutive_failures",
        "last_error_at",
    ]
    list_filter = ["state"]
    search_fields = ["identity_id", "email", "first_name", "last_name"]
    # access_token / refresh_token are deliberately absent from every admin view.
    fields = [
        "identity_id",
        "identity_uuid",
        "email",
        "first_name",
        "last_name",
        "state",
        "scope",
        "access_token_expires_at",
        "last_refreshed_at",
        "consecutive_failures",
        "last_error",
        "last_error_at",
        "memberships",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


class ConnectedBusinessInline(admin.TabularInline):
    model = ConnectedBusiness
    fields = ["name", "business_id", "account_id", "role", "active", "sync_state", "last_synced_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "identity", "created_at", "disconnected_at"]
    list_select_related = ["user", "identity"]
    search_fields = ["user__email", "identity__email", "identity__identity_id"]
    readonly_fields = ["user", "identity", "created_at", "disconnected_at"]
    inlines = [ConnectedBusinessInline]


@admin.register(ConnectedBusiness)
class ConnectedBusinessAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account_id",
        "business_id",
        "role",
        "active",
        "sync_state",
        "last_synced_at",
        "connection",
    ]
    list_filter = ["active", "sync_state"]
    list_select_related = ["connection__user", "connection__identity"]
    search_fields = ["name", "account_id", "business_id", "connection__user__email"]
    readonly_fields = [
        "connection",
        "business_id",
        "account_id",
        "business_uuid",
        "name",
        "role",
        "timezone",
        "created_at",
        "updated_at",
        "last_synced_at",
    ]
    exclude = ["webhook_token"]
    actions = ["sync_now", "full_resync"]

    @admin.action(description="Sync now (incremental)")
    def sync_now(self, request, queryset):
        self._request_syncs(request, queryset, full=False)

    @admin.action(description="Full re-sync")
    def full_resync(self, request, queryset):
        self._request_syncs(request, queryset, full=True)

    def _request_syncs(self, request, queryset, *, full: bool):
        from invoicing.services.sync.runs import sync_run_request

        businesses = queryset.filter(active=True, connection__disconnected_at__isnull=True)
        for business in businesses:
            sync_run_request(business=business, trigger="admin", full=full)
        self.message_user(request, f"Queued a sync of {len(businesses)} businesses.")


import connections.webhook_admin  # noqa: E402,F401 - registers the webhook admin pages
