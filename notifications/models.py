"""Sent (or skipped) emails, one per user and event, and what each user wants to receive."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    REAUTH_NEEDED = "reauth_needed", "FreshBooks needs reconnecting"
    DRAFTS_READY = "drafts_ready", "A scheduled run's drafts are created or waiting for approval"
    FAILED = "failed", "An invoice run or a sync failed"


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent (turned off)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What happened, e.g. "identity:7:2026-12-03" or "invoice-run:42": the same event twice is
    # the same key, so the unique constraint below makes a second notice a no-op.
    event_key = models.CharField(max_length=200)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "event_key"], name="one_notification_per_event"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user_id} ({self.status})"


class NotificationSettings(models.Model):
    """One row per user who changed anything; no row means every kind is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    reauth_needed = models.BooleanField("When FreshBooks needs reconnecting", default=True)
    drafts_ready = models.BooleanField(
        "When a scheduled run has created drafts or has drafts waiting for approval", default=True
    )
    failed = models.BooleanField("When an invoice run or a sync fails for good", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, KIND_FIELDS[kind]))


# The settings field that turns each kind off (named like the kind).
KIND_FIELDS = {kind.value: kind.value for kind in Kind}
