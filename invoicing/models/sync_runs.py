"""One sync of a business's FreshBooks data: its kind, progress, counts and outcome."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from connections.models import ConnectedBusiness


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    business = models.ForeignKey(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=32, default="schedule")
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    # Where a retried run resumes: {"stage": "time_entries", "page": 17}.
    progress = models.JSONField(default=dict, blank=True)
    # Why objects were skipped (a bounded sample): [{"object", "id", "reason"}].
    skip_reasons = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Incremental syncs ask FreshBooks for changes since this (minus an overlap window).
    changes_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched on every page; a pending run whose heartbeat stops is re-enqueued by the sweeper.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["business", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync of {self.business_id} ({self.status})"
