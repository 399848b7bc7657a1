"""Operators' view of users: who they are, whether they may sign in, how many FreshBooks logins
they have connected (counted in the list query)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from accounts.models import ApiToken, User
from integration_app.admin_tools import ReadOnlyAdmin

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _LiveConnectionCount(TypedDict):
    """What get_queryset annotates on every user the admin shows."""

    live_connection_count: int


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "freshbooks_logins",
        "date_joined",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_connection_count=Count(
                    "freshbooks_connections",
                    filter=Q(freshbooks_connections__disconnected_at__isnull=True),
                )
            )
        )

    @admin.display(description="FreshBooks logins", ordering="live_connection_count")
    def freshbooks_logins(self, user: WithAnnotations[User, _LiveConnectionCount]) -> int:
        return user.live_connection_count


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Who holds which API token; the hash is never shown (revoke on the user's account page)."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["=prefix", "user__email", "name"]
    exclude = ["key_hash"]
