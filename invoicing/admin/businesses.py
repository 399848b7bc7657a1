"""Operators' console for connected businesses: sync and webhook state, and their actions.

It lives in invoicing, not connections, because a business's console is mostly about its sync and
its mirrored time (invoicing's); connections never imports invoicing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Func, IntegerField, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from connections.models import (
    ConnectedBusiness,
    WebhookSubscription,
)
from connections.selectors import (
    business_health,
    last_webhook_received_subquery,
)
from connections.webhooks.subscriptions import webhook_subscriptions_request
from integration_app.admin_tools import colour_badge, count_of
from invoicing.models import TimeEntry
from invoicing.sync.runs import sync_run_request

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _BusinessCounts(TypedDict):
    """What get_queryset annotates on every business the admin shows."""

    last_webhook_at: datetime | None
    time_entry_count: int
    subscription_count: int
    verified_subscription_count: int


# The time entries column counts up to this many and shows "10,000+" beyond: an exact count of a
# 100,000-entry mirror per row would make the list grow with the mirrors (nobody needs the digits).
TIME_ENTRIES_COUNTED = 10_000


def capped_time_entry_count() -> Func:
    """Each business's mirrored time entries, counted up to TIME_ENTRIES_COUNTED + 1 (an index
    range of at most that many rows per business, whatever the size of its mirror)."""
    first_ids = TimeEntry.objects.filter(business=OuterRef("pk")).values("pk")
    return Func(
        ArraySubquery(first_ids[: TIME_ENTRIES_COUNTED + 1]),
        function="cardinality",
        output_field=IntegerField(),
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
    fields = (
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
    )
    readonly_fields = [field for field in fields if field not in ("active", "currency_code")]
    actions = ["sync_now", "full_resync", "reregister_webhooks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            # Its name says whose it is (ConnectedBusiness.__str__), in lists and autocompletes;
            # set here, the changelist skips list_select_related, so both joins are named.
            .select_related("connection__user", "connection__identity")
            .defer("webhook_token")
            .annotate(
                last_webhook_at=last_webhook_received_subquery(),
                time_entry_count=capped_time_entry_count(),
                subscription_count=count_of(
                    WebhookSubscription.objects.filter(business=OuterRef("pk"))
                ),
                verified_subscription_count=count_of(
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
    def webhook_state(self, business: WithAnnotations[ConnectedBusiness, _BusinessCounts]) -> str:
        total, verified = business.subscription_count, business.verified_subscription_count
        if not total:
            return colour_badge("muted", "not subscribed")
        tone = "ok" if verified == total else "warn"
        return colour_badge(tone, f"{verified} of {total} verified")

    @admin.display(description="last webhook", ordering="last_webhook_at")
    def last_webhook(self, business: WithAnnotations[ConnectedBusiness, _BusinessCounts]):
        return business.last_webhook_at or "—"

    @admin.display(description="time entries", ordering="time_entry_count")
    def time_entry_total(
        self, business: WithAnnotations[ConnectedBusiness, _BusinessCounts]
    ) -> str:
        if business.time_entry_count > TIME_ENTRIES_COUNTED:
            return f"{TIME_ENTRIES_COUNTED:,}+"
        return f"{business.time_entry_count:,}"

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
        noun = ngettext("business", "businesses", done)
        self.message_user(request, f"{verb} {done} {noun}.", messages.SUCCESS)
        skipped = queryset.count() - done
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d selected business is no longer connected and was left alone.",
                    "%(n)d selected businesses are no longer connected and were left alone.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
