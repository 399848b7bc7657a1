"""Operators' console for FreshBooks identities: health, token expiry, refresh; never a token."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timesince

from connections.freshbooks import FreshBooksError
from connections.models import (
    Connection,
    FreshBooksIdentity,
)
from connections.selectors import (
    identity_health,
)
from connections.services.tokens import ReauthorizationRequired, identity_token_refresh
from integration_app.admin_tools import colour_badge, count_of

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _LiveConnectionCount(TypedDict):
    """What get_queryset annotates on every identity the admin shows."""

    live_connection_count: int


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
    fields = (
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
    )
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
                live_connection_count=count_of(
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
    def live_connections(
        self, identity: WithAnnotations[FreshBooksIdentity, _LiveConnectionCount]
    ) -> int:
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
