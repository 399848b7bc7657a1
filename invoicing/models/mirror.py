"""Local mirrors of FreshBooks objects, per connected business.

Each mirror keeps a few indexed columns for queries plus the raw JSON as FreshBooks sent it, so a
field or enum value FreshBooks adds later is kept without a migration. References to other
FreshBooks objects are plain FreshBooks ids, not foreign keys: an entry may arrive before its
client or project does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from connections.models import ConnectedBusiness
from invoicing.models.fields import RateField


class Mirror(models.Model):
    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    freshbooks_id = models.BigIntegerField()
    raw = models.JSONField(default=dict)
    synced_at = models.DateTimeField(auto_now=True)
    # The sync run that last saw this object; a full sync marks objects it did not see as deleted.
    seen_by_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["business", "freshbooks_id"], name="unique_%(class)s_per_business"
            ),
        ]


class Client(Mirror):
    display_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    active = models.BooleanField(default=True)
    updated_remote = models.DateTimeField(null=True, blank=True)

    class Meta(Mirror.Meta):
        pass

    def __str__(self) -> str:
        return self.display_name or f"Client {self.freshbooks_id}"


class Project(Mirror):
    title = models.CharField(max_length=255, blank=True)
    client_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    billing_method = models.CharField(max_length=32, blank=True)
    project_type = models.CharField(max_length=32, blank=True)
    rate = RateField(null=True, blank=True)
    fixed_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(default=True)
    complete = models.BooleanField(default=False)
    updated_remote = models.DateTimeField(null=True, blank=True)

    class Meta(Mirror.Meta):
        pass

    def __str__(self) -> str:
        return self.title or f"Project {self.freshbooks_id}"

    @property
    def is_fixed_price(self) -> bool:
        return self.project_type == "fixed_price"


class Service(Mirror):
    name = models.CharField(max_length=255, blank=True)
    billable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta(Mirror.Meta):
        pass

    def __str__(self) -> str:
        return self.name or f"Service {self.freshbooks_id}"


class ServiceRate(models.Model):
    """A business-wide rate for a service (FreshBooks `service_rate`)."""

    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    service_freshbooks_id = models.BigIntegerField()
    rate = RateField()
    raw = models.JSONField(default=dict)
    seen_by_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "service_freshbooks_id"], name="unique_service_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"Service {self.service_freshbooks_id} at {self.rate}"


class ProjectServiceRate(models.Model):
    """A rate for one service on one project (used by `service_rate` projects)."""

    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    project_freshbooks_id = models.BigIntegerField()
    service_freshbooks_id = models.BigIntegerField()
    rate = RateField()
    raw = models.JSONField(default=dict)
    seen_by_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "project_freshbooks_id", "service_freshbooks_id"],
                name="unique_project_service_rate",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Service {self.service_freshbooks_id} on project {self.project_freshbooks_id} "
            f"at {self.rate}"
        )


class TeamMember(models.Model):
    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    identity_id = models.BigIntegerField(help_text="FreshBooks identity id of the member")
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    billable_rate = RateField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    seen_by_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "identity_id"], name="unique_team_member"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"Team member {self.identity_id}"


class TimeEntry(Mirror):
    """A FreshBooks time entry, or hours from outside FreshBooks (`invoicing.hours` says why one
    table holds both). An outside entry's `freshbooks_id` is minus its own primary key."""

    class Source(models.TextChoices):
        FRESHBOOKS = "freshbooks", "FreshBooks"
        API = "api", "API"
        CSV = "csv", "CSV import"
        MANUAL = "manual", "Manual entry"

    class Tool(models.TextChoices):
        TOGGL = "toggl", "Toggl Track"
        HARVEST = "harvest", "Harvest"
        CLOCKIFY = "clockify", "Clockify"
        TEMPLATE = "template", "template"

    source = models.CharField(max_length=16, choices=Source.choices, default=Source.FRESHBOOKS)
    # The tool a CSV came from (empty for the other sources).
    source_tool = models.CharField(max_length=16, choices=Tool.choices, blank=True)
    # The caller's own id (API), the export's row id or a hash of its fields (CSV), a UUID (manual).
    external_id = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Write-back of billed outside hours: set before FreshBooks is called (the intent, so a retry
    # looks the entry up first), then the id FreshBooks gave it.
    write_back_started_at = models.DateTimeField(null=True, blank=True)
    write_back_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    client_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    project_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    service_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    identity_id = models.BigIntegerField(null=True, blank=True, help_text="team member")
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField()
    billable = models.BooleanField(default=False)
    billed = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    is_logged = models.BooleanField(default=True)
    internal = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    created_remote = models.DateTimeField(null=True, blank=True)
    updated_remote = models.DateTimeField(null=True, blank=True)

    class Meta(Mirror.Meta):
        verbose_name_plural = "time entries"
        constraints = [
            *Mirror.Meta.constraints,
            models.UniqueConstraint(
                fields=["business", "source", "external_id"],
                condition=~Q(source="freshbooks"),
                name="unique_outside_entry_per_source",
            ),
        ]
        indexes = [
            models.Index(
                fields=["business", "billable", "billed", "active", "started_at"],
                name="time_entry_unbilled",
            ),
            models.Index(fields=["business", "client_freshbooks_id"], name="time_entry_client"),
            models.Index(fields=["business", "started_at"], name="time_entry_started"),
            # The business page's list, newest first, and its check for written-back copies:
            # the first page reads 50 index rows however large the mirror.
            models.Index(
                fields=["business", "-started_at", "-freshbooks_id"], name="time_entry_newest"
            ),
            # The admin's list of every business's entries, newest first (its ordering, with
            # Django's tie-break on the pk): 100 index rows instead of sorting the whole table.
            models.Index(fields=["-started_at", "-id"], name="time_entry_admin_newest"),
            models.Index(
                fields=["business", "write_back_freshbooks_id"],
                condition=Q(write_back_freshbooks_id__isnull=False),
                name="time_entry_written_back",
            ),
        ]

    def __str__(self) -> str:
        if self.is_outside:
            return f"Time entry {self.external_id} from {self.source_label}"
        return f"Time entry {self.freshbooks_id} ({self.duration_seconds}s)"

    @property
    def is_outside(self) -> bool:
        return self.source != self.Source.FRESHBOOKS

    @property
    def source_label(self) -> str:
        """ "FreshBooks", "API", "Manual entry", "Toggl Track CSV"."""
        if self.source == self.Source.CSV and self.source_tool:
            if self.source_tool == self.Tool.TEMPLATE:
                return "CSV import"
            return f"{self.Tool(self.source_tool).label} CSV"
        return str(self.Source(self.source).label)
