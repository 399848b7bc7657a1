"""CSV imports of hours: the uploaded file, the user's mapping of unknown names, and progress.

The row is the outbox of its import task: `status` says how far it got and `rows_done` where to
resume, so a killed worker's import is finished by running it again (rows upsert by their ids).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from connections.models import ConnectedBusiness


class HoursImport(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for your confirmation"
        QUEUED = "queued", "Queued"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded"

    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    tool = models.CharField(max_length=16)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # {"client": {"acme inc": 10}, "project": {"web": null}, …}: a name mapped once for all rows.
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    rows_total = models.PositiveIntegerField(default=0)
    rows_to_import = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    already_billed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.rows_to_import:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_to_import))
