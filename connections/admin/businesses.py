"""Operators' console for identities, connections and connected businesses.

Tokens and verifiers are never shown. Every action calls the same service the dashboard does, and
every list computes its counts in the one list query, so a page costs the same for 10 rows or 1,000.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from connections.freshbooks import FreshBooksError
from connections.models import (
    ConnectedBusiness,
    Connection,
    FreshBooksIdentity,
    WebhookSubscription,
)
from connections.selectors import (
    business_health,
    identity_health,
    last_webhook_received_subquery,
)
from connections.services.businesses import connection_disconnect
from connections.services.tokens import ReauthorizationRequired, identity_token_refresh
from connections.services.webhooks import webhook_subscriptions_request

# Text and border colours with at least 4.5:1 contrast on the admin's white background.
BADGE_COLOURS = {"ok": "#1e7b34", "warn": "#8a5a00", "error": "#b42318", "muted": "#55606e"}


def colour_badge(tone: str, label: str) -> str:
    """A coloured pill for list and change pages; `tone` is ok, warn, error or muted."""
    return format_html(
        '<span class="status-badge" data-tone="{}" style="color:{};border:1px solid currentColor;'
        'border-radius:999px;padding:0 .5em;font-weight:600;white-space:nowrap">{}</span>',
        tone,
        BADGE_COLOURS.get(tone, BADGE_COLOURS["muted"]),
        label,
    )


def _count_of(queryset: QuerySet, field: str = "business") -> Coalesce:
    """A per-row COUNT as a correlated subquery (no GROUP BY over the whole list)."""
    return Coalesce(
        Subquery(
            queryset.values(field).annotate(total=Count("pk")).values("total")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


@admin.register(FreshBooksIdentity)
class FreshBooksIdentityAdmin(admin.ModelAdmin):
    list_display = [
        "identity_id",
        "display_name",
        "email",
        "health_badge",
        "token_expiry",
        "last_refreshed_at",
        "consecutive_failures",
        "live_connections",
    ]
    list_filter = ["state"]
    search_fields = ["=identity_id", "email", "first_name", "last_name"]
    # access_token / refresh_token are deliberately absent from every admin view.
    fields = [
        "identity_id",
        "identity_uuid",
        "email",
        "first_name",
        "last_name",
        "health_badge",
        "state",
        "scope",
        "token_expiry",
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
    actions = ["refresh_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .defer("access_token", "refresh_token")
            .annotate(
                live_connection_count=_count_of(
                    Connection.objects.filter(
                        identity=OuterRef("pk"), disconnected_at__isnull=True
                    ),
                    field="identity",
                )
            )
        )

    @admin.display(description="health", ordering="state")
    def health_badge(self, identity: FreshBooksIdentity) -> str:
        health = identity_health(identity)
        return colour_badge(health.tone, health.label)

    @admin.display(description="access token expires", ordering="access_token_expires_at")
    def token_expiry(self, identity: FreshBooksIdentity) -> str:
        expires_at = identity.access_token_expires_at
        if expires_at is None:
            return colour_badge("muted", "no token")
        now = timezone.now()
        if expires_at <= now:
            return colour_badge("warn", f"expired {timesince(expires_at, now)} ago")
        return colour_badge("ok", f"in {timesince(now, expires_at)}")

    @admin.display(description="live connections", ordering="live_connection_count")
    def live_connections(self, identity: FreshBooksIdentity) -> int:
        return identity.live_connection_count

    @admin.action(description="Refresh the access token now")
    def refresh_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        for identity in queryset:
            try:
                identity_token_refresh(identity_id=identity.pk, force=True)
            except ReauthorizationRequired:
                self.message_user(
                    request,
                    f"{identity}: FreshBooks access was lost; the user must reconnect.",
                    messages.ERROR,
                )
            except FreshBooksError as error:
                self.message_user(request, f"{identity}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{identity}: tokens refreshed.", messages.SUCCESS)


class ConnectedBusinessInline(admin.TabularInline):
    model = ConnectedBusiness
    fields = ["name", "business_id", "account_id", "role", "active", "sync_state", "last_synced_at"]
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


@admin.register(ConnectedBusiness)
class ConnectedBusinessAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account_id",
        "owner",
        "sync_badge",
        "last_synced_at",
        "short_error",
        "webhook_state",
        "last_webhook",
        "time_entry_total",
        "active",
    ]
    list_filter = ["active", "sync_state"]
    list_select_related = ["connection__user", "connection__identity"]
    search_fields = ["name", "account_id", "=business_id", "connection__user__email"]
    fields = [
        "connection",
        "name",
        "business_id",
        "account_id",
        "business_uuid",
        "role",
        "timezone",
        "currency_code",
        "active",
        "sync_badge",
        "sync_state",
        "last_synced_at",
        "last_error",
        "webhook_state",
        "last_webhook",
        "time_entry_total",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [field for field in fields if field not in ("active", "currency_code")]
    actions = ["sync_now", "full_resync", "reregister_webhooks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        from invoicing.models import TimeEntry

        return (
            super()
            .get_queryset(request)
            .defer("webhook_token")
            .annotate(
                last_webhook_at=last_webhook_received_subquery(),
                time_entry_count=_count_of(TimeEntry.objects.filter(business=OuterRef("pk"))),
                subscription_count=_count_of(
                    WebhookSubscription.objects.filter(business=OuterRef("pk"))
                ),
                verified_subscription_count=_count_of(
                    WebhookSubscription.objects.filter(business=OuterRef("pk"), verified=True)
                ),
            )
        )

    @admin.display(description="owner", ordering="connection__user__email")
    def owner(self, business: ConnectedBusiness) -> str:
        return business.connection.user.email

    @admin.display(description="sync state", ordering="sync_state")
    def sync_badge(self, business: ConnectedBusiness) -> str:
        health = business_health(business, business.connection.identity)
        if business.connection.disconnected_at is not None:
            return colour_badge("muted", "Disconnected")
        return colour_badge(health.tone, f"{health.label} ({business.get_sync_state_display()})")

    @admin.display(description="last error")
    def short_error(self, business: ConnectedBusiness) -> str:
        return business.last_error[:80]

    @admin.display(description="webhooks", ordering="verified_subscription_count")
    def webhook_state(self, business: ConnectedBusiness) -> str:
        total, verified = business.subscription_count, business.verified_subscription_count
        if not total:
            return colour_badge("muted", "not subscribed")
        tone = "ok" if verified == total else "warn"
        return colour_badge(tone, f"{verified} of {total} verified")

    @admin.display(description="last webhook", ordering="last_webhook_at")
    def last_webhook(self, business: ConnectedBusiness):
        return business.last_webhook_at or "—"

    @admin.display(description="time entries", ordering="time_entry_count")
    def time_entry_total(self, business: ConnectedBusiness) -> int:
        return business.time_entry_count

    @admin.action(description="Sync now (incremental)")
    def sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._request_syncs(request, queryset, full=False)

    @admin.action(description="Full re-sync")
    def full_resync(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._request_syncs(request, queryset, full=True)

    @admin.action(description="Re-register FreshBooks webhooks")
    def reregister_webhooks(self, request: HttpRequest, queryset: QuerySet) -> None:
        businesses = list(self._connected(queryset))
        for business in businesses:
            webhook_subscriptions_request(business=business)
        self._report_skipped(request, queryset, len(businesses), "Re-registering webhooks of")

    def _request_syncs(self, request: HttpRequest, queryset: QuerySet, *, full: bool) -> None:
        from invoicing.services.sync.runs import sync_run_request

        businesses = list(self._connected(queryset))
        for business in businesses:
            sync_run_request(business=business, trigger="admin", full=full)
        self._report_skipped(request, queryset, len(businesses), "Queued a sync of")

    @staticmethod
    def _connected(queryset: QuerySet) -> QuerySet:
        return queryset.filter(active=True, connection__disconnected_at__isnull=True)

    def _report_skipped(
        self, request: HttpRequest, queryset: QuerySet, done: int, verb: str
    ) -> None:
        self.message_user(request, f"{verb} {done} businesses.", messages.SUCCESS)
        skipped = queryset.count() - done
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected businesses are no longer connected and were left alone.",
                messages.WARNING,
            )


# The webhook admin lives in its own module; importing it here registers it with the site.
from connections import webhook_admin  # noqa: E402,F401
