"""FreshBooks webhook subscriptions (one per business and event noun) and every delivery received.

A delivery row is the outbox of webhook work: it is stored before the endpoint answers, carries its
own status, and the sweeper re-enqueues rows left pending, so a broker outage loses nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from connections.encryption import EncryptedTextField

__all__ = ["WebhookDelivery", "WebhookSubscription"]


class WebhookSubscription(models.Model):
    """This app's FreshBooks callback for one event noun of one business.

    ``verifier`` is the HMAC key FreshBooks signs deliveries with, stored once FreshBooks accepted
    it back; ``pending_verifier`` is one received by the verification POST but not yet confirmed,
    so a forged verification POST can never replace a working key.
    """

    business = models.ForeignKey(
        "connections.ConnectedBusiness",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    event = models.CharField(max_length=100, help_text="FreshBooks event or noun, e.g. time_entry")
    uri = models.URLField(max_length=500, help_text="where FreshBooks posts this event")
    callback_id = models.BigIntegerField(null=True, blank=True, help_text="FreshBooks callbackid")
    verified = models.BooleanField(default=False)
    verifier = EncryptedTextField(blank=True)
    pending_verifier = EncryptedTextField(blank=True)
    verification_requested_at = models.DateTimeField(null=True, blank=True)
    verification_requests = models.PositiveIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "event"], name="unique_webhook_subscription_per_event"
            ),
            models.UniqueConstraint(
                fields=["business", "callback_id"],
                condition=Q(callback_id__isnull=False),
                name="unique_webhook_callback_per_business",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.business}"

    def __repr__(self) -> str:  # never show the verifier
        return f"<WebhookSubscription {self.pk} {self.event} callback={self.callback_id}>"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        COALESCED = "coalesced", "Coalesced"
        IGNORED = "ignored", "Ignored"
        ON_HOLD = "on_hold", "Waiting for reconnect"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"

    class Signature(models.TextChoices):
        VALID = "valid", "Valid"
        MISSING = "missing", "Missing"
        INVALID = "invalid", "Invalid"
        NO_KEY = "no_key", "No verified subscription"
        NOT_SIGNED = "not_signed", "Not signed (verification)"
        NOT_CHECKED = "not_checked", "Not checked"

    # No index of its own: webhook_delivery_object and webhook_delivery_biz lead with it.
    business = models.ForeignKey(
        "connections.ConnectedBusiness",
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        db_index=False,
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        help_text="the subscription whose verifier signed it",
    )
    name = models.CharField(max_length=100, blank=True, help_text="e.g. time_entry.create")
    noun = models.CharField(max_length=100, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.CharField(max_length=64, blank=True)
    freshbooks_business_id = models.BigIntegerField(null=True, blank=True)
    identity_id = models.BigIntegerField(null=True, blank=True)
    raw_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    signature = models.CharField(
        max_length=16, choices=Signature.choices, default=Signature.NOT_CHECKED
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=32, blank=True, help_text="what the handler did")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Indexed only where set (webhook_delivery_coalesced): a new row costs that index nothing.
    coalesced_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coalesced",
        db_index=False,
    )
    # Only for a callback.verify POST that arrived before its callback id was saved.
    verifier = EncryptedTextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(
                fields=["business", "noun", "object_id", "status"], name="webhook_delivery_object"
            ),
            models.Index(fields=["business", "status", "received_at"], name="webhook_delivery_biz"),
            models.Index(fields=["received_at"], name="webhook_delivery_received"),
            # Finds the rows to unlink when a delivery is purged (SET_NULL); new rows are NULL.
            models.Index(
                fields=["coalesced_into"],
                condition=Q(coalesced_into__isnull=False),
                name="webhook_delivery_coalesced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'unnamed'} {self.object_id or ''} ({self.get_status_display()})"

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.pk} {self.name} {self.object_id} {self.status}>"
