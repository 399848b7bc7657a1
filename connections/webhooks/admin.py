"""Operators' console for webhooks: every delivery with its signature result, status, attempts and
error; replay of failed ones; re-registering callbacks. Verifiers are never shown."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from connections.admin.tenants import OWNER_PATH, BusinessFilter, TenantColumns
from connections.models import ConnectedBusiness, WebhookDelivery, WebhookSubscription
from connections.webhooks.processing import webhook_deliveries_replay
from connections.webhooks.subscriptions import webhook_subscriptions_request
from integration_app.admin_tools import colour_badge

# Delivery statuses and signature results, by tone; anything else is an error.
STATUS_TONES = {
    "pending": "muted",
    "processing": "warn",
    "done": "ok",
    "coalesced": "ok",
    "ignored": "muted",
    "on_hold": "warn",
    "failed": "error",
    "rejected": "error",
    "valid": "ok",
    "not_signed": "muted",
    "not_checked": "muted",
}


def _badge(value: str, label: str) -> SafeString:
    return colour_badge(STATUS_TONES.get(value, "error"), label)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "business",
        "event",
        "callback_id",
        "verified_badge",
        "verified_at",
        "verification_requests",
        "last_error_at",
    ]
    list_filter = ["verified", "event"]
    list_select_related = [OWNER_PATH]
    search_fields = ["business__name", "business__account_id", "callback_id"]
    # verifier and pending_verifier are deliberately absent from every admin view.
    fields = (
        "business",
        "event",
        "uri",
        "callback_id",
        "verified",
        "verified_at",
        "verification_requested_at",
        "verification_requests",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["reregister"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="verified", ordering="verified")
    def verified_badge(self, subscription: WebhookSubscription):
        if subscription.verified:
            return _badge("done", "verified")
        return _badge("on_hold", "waiting")

    @admin.action(description="Re-register the webhooks of the selected subscriptions' businesses")
    def reregister(self, request: HttpRequest, queryset: QuerySet) -> None:
        businesses = ConnectedBusiness.objects.filter(
            pk__in=queryset.values("business_id"), active=True
        )
        for business in businesses:
            webhook_subscriptions_request(business=business)
        self.message_user(
            request,
            ngettext(
                "Re-registering webhooks of %(n)d business.",
                "Re-registering webhooks of %(n)d businesses.",
                len(businesses),
            )
            % {"n": len(businesses)},
            messages.INFO,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantColumns, admin.ModelAdmin):
    list_display = [
        "received_at",
        "business",
        "owner",
        "name",
        "object_id",
        "signature_badge",
        "status_badge",
        "attempts",
        "outcome",
        "short_error",
    ]
    list_filter = [
        "status",
        "signature",
        "noun",
        "name",
        BusinessFilter,
    ]
    list_select_related = [OWNER_PATH]
    search_fields = ["object_id", "name", "account_id", "business__name"]
    date_hierarchy = "received_at"
    ordering = ["-received_at"]
    fields = (
        "business",
        "subscription",
        "name",
        "noun",
        "object_id",
        "account_id",
        "freshbooks_business_id",
        "identity_id",
        "signature",
        "status",
        "outcome",
        "attempts",
        "last_error",
        "coalesced_into",
        "received_at",
        "next_attempt_at",
        "claimed_at",
        "processed_at",
        "remote_ip",
        "headers",
        "raw_body",
    )
    readonly_fields = fields
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="signature", ordering="signature")
    def signature_badge(self, delivery: WebhookDelivery):
        return _badge(delivery.signature, delivery.get_signature_display())

    @admin.display(description="status", ordering="status")
    def status_badge(self, delivery: WebhookDelivery):
        return _badge(delivery.status, delivery.get_status_display())

    @admin.display(description="error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        return delivery.last_error[:80]

    @admin.action(description="Replay the selected failed deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        replayed = webhook_deliveries_replay(delivery_ids=selected)
        skipped = len(selected) - replayed
        message = f"Replaying {replayed} failed deliver{'y' if replayed == 1 else 'ies'}."
        if skipped:
            message += f" {skipped} not failed, left alone."
        self.message_user(request, message, messages.INFO)
