"""Billing policies, rate rules, schedules, invoice runs and draft invoices.

A draft row is the outbox of one FreshBooks invoice: it is written (with its lines and the time
entries it reserves) before FreshBooks is called, and its `state` says how far it got, so a crashed
or retried worker resumes it instead of starting over. See shared/design/billing.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from connections.models import ConnectedBusiness
from invoicing.billing.options import GROUPING_MODES
from invoicing.billing.periods import PRESETS
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS

__all__ = [
    "BillingPolicy",
    "DraftEntry",
    "DraftInvoice",
    "DraftLine",
    "InvoiceRun",
    "InvoiceSchedule",
    "RateRule",
]

GROUPING_CHOICES = [(mode, mode.replace("_", " ").capitalize()) for mode in GROUPING_MODES]
INCREMENT_CHOICES = [
    (minutes, "No rounding" if minutes == 0 else f"{minutes} min") for minutes in INCREMENTS_MINUTES
]
DIRECTION_CHOICES = [(direction, direction.capitalize()) for direction in DIRECTIONS]
LEVEL_CHOICES = [(level, f"Per {level}") for level in LEVELS]
PERIOD_CHOICES = [(preset, preset.replace("_", " ").capitalize()) for preset in PRESETS]


class BillingPolicy(models.Model):
    """A business's defaults for runs; each run may override them."""

    business = models.OneToOneField(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="billing_policy"
    )
    rounding_increment = models.PositiveSmallIntegerField(choices=INCREMENT_CHOICES, default=0)
    rounding_direction = models.CharField(max_length=8, choices=DIRECTION_CHOICES, default="up")
    rounding_level = models.CharField(max_length=8, choices=LEVEL_CHOICES, default="entry")
    grouping = models.CharField(max_length=16, choices=GROUPING_CHOICES, default="service")
    allow_zero_rate = models.BooleanField(default=False)
    # FreshBooks' API does not expose the business standard rate; it can be entered here.
    standard_rate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "billing policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_rate__isnull=True) | Q(standard_rate__gte=0),
                name="billing_policy_standard_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Billing policy of {self.business}"


class RateRule(models.Model):
    """A local hourly rate that beats FreshBooks' rates (billing.md "Rates", step 1)."""

    business = models.ForeignKey(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="rate_rules"
    )
    client_freshbooks_id = models.BigIntegerField()
    project_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    service_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    team_member_identity_id = models.BigIntegerField(null=True, blank=True)
    rate = models.DecimalField(max_digits=14, decimal_places=2)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client_freshbooks_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_rule_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="rate_rule_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Rate rule #{self.pk}: client {self.client_freshbooks_id} at {self.rate}"


class InvoiceSchedule(models.Model):
    """Fires at most once per billing period (a unique run per schedule and period)."""

    class Frequency(models.TextChoices):
        OFF = "off", "Off"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    class Action(models.TextChoices):
        CREATE = "create", "Create drafts"
        PREVIEW = "preview", "Prepare a preview to approve"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    business = models.OneToOneField(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="invoice_schedule"
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.OFF)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    day_of_month = models.PositiveSmallIntegerField(default=1)
    period = models.CharField(max_length=16, choices=PERIOD_CHOICES, default="last_month")
    grouping = models.CharField(max_length=16, choices=GROUPING_CHOICES, default="service")
    rounding_increment = models.PositiveSmallIntegerField(choices=INCREMENT_CHOICES, default=0)
    rounding_direction = models.CharField(max_length=8, choices=DIRECTION_CHOICES, default="up")
    rounding_level = models.CharField(max_length=8, choices=LEVEL_CHOICES, default="entry")
    allow_zero_rate = models.BooleanField(default=False)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.PREVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                name="schedule_day_of_month_1_to_28",
            ),
            models.CheckConstraint(condition=~Q(period="custom"), name="schedule_period_preset"),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} invoicing of {self.business}"

    def options(self) -> dict[str, object]:
        """Raw run options, as a form would give them."""
        return {
            "period": self.period,
            "grouping": self.grouping,
            "rounding_increment": self.rounding_increment,
            "rounding_direction": self.rounding_direction,
            "rounding_level": self.rounding_level,
            "allow_zero_rate": self.allow_zero_rate,
        }


class InvoiceRun(models.Model):
    """One preview or creation of drafts, kept forever as its audit record."""

    class Trigger(models.TextChoices):
        USER = "user", "User"
        SCHEDULE = "schedule", "Schedule"
        REBILL = "rebill", "Re-bill"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Preview ready"
        CREATING = "creating", "Creating drafts"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
        FAILED = "failed", "Failed"

    business = models.ForeignKey(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="invoice_runs"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.USER)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who pressed "Create drafts" on the preview (None: created by a schedule or a service).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    schedule = models.ForeignKey(
        InvoiceSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    # "2024-05-01..2024-05-31": with `schedule`, unique, so a schedule fires once per period.
    schedule_period = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PREVIEWED)
    options = models.JSONField(default=dict)
    period_start = models.DateField()
    period_end = models.DateField()
    # Limits a re-bill to the voided draft's client; empty means every client.
    client_freshbooks_ids = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict)
    drafts_total = models.PositiveIntegerField(default=0)
    drafts_done = models.PositiveIntegerField(default=0)
    drafts_failed = models.PositiveIntegerField(default=0)
    drafts_voided = models.PositiveIntegerField(default=0)
    entries_reserved = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["business", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "schedule_period"],
                condition=Q(schedule__isnull=False),
                name="one_run_per_schedule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice run #{self.pk} of {self.business_id} ({self.status})"

    @property
    def period_label(self) -> str:
        if self.period_start == self.period_end:
            return self.period_start.isoformat()
        return f"{self.period_start.isoformat()} to {self.period_end.isoformat()}"

    @property
    def drafts_finished(self) -> int:
        return self.drafts_done + self.drafts_failed + self.drafts_voided

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.CREATING


class DraftInvoice(models.Model):
    """One FreshBooks draft invoice for one client, created exactly once."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        SUBMITTING = "submitting", "Submitting"
        CREATED = "created", "Created"
        MARKING_BILLED = "marking_billed", "Marking time billed"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        VOIDED = "voided", "Voided"

    run = models.ForeignKey(InvoiceRun, on_delete=models.RESTRICT, related_name="drafts")
    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    client_freshbooks_id = models.BigIntegerField()
    client_name = models.CharField(max_length=255)
    currency_code = models.CharField(max_length=3)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED)
    # sha256 of business, client and sorted entry ids (billing.planner.draft_unique_key).
    unique_key = models.CharField(max_length=64)
    # Written into the FreshBooks invoice (po_number and notes) so a lost response can be found.
    reference = models.CharField(max_length=40, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    invoice_date = models.DateField(null=True, blank=True)
    freshbooks_invoice_id = models.BigIntegerField(null=True, blank=True)
    freshbooks_invoice_number = models.CharField(max_length=40, blank=True)
    freshbooks_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Every error the draft met, oldest first (bounded): [{"at", "state", "error"}].
    error_log = models.JSONField(default=list, blank=True)
    # A worker owns the draft until this time; a killed worker's lease simply runs out.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_name", "pk"]
        indexes = [
            models.Index(fields=["state", "updated_at"]),
            models.Index(fields=["business", "freshbooks_invoice_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unique_key"],
                condition=~Q(state="voided"),
                name="one_open_draft_per_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft #{self.pk} for {self.client_name} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.VOIDED


class DraftLine(models.Model):
    draft = models.ForeignKey(DraftInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    rate_sources = models.JSONField(default=list)
    raw_seconds = models.PositiveIntegerField()
    billed_seconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "position"], name="unique_draft_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.quantity} × {self.unit_cost}"


class DraftEntry(models.Model):
    """A time entry reserved by a draft line.

    `voided` copies "the draft is voided" so PostgreSQL can enforce, with a partial unique index,
    that a FreshBooks entry sits on at most one open draft, even across two local connections of
    the same FreshBooks business. Voiding updates it in the same transaction as the draft.
    """

    draft = models.ForeignKey(DraftInvoice, on_delete=models.CASCADE, related_name="entries")
    line = models.ForeignKey(DraftLine, on_delete=models.CASCADE, related_name="entries")
    time_entry = models.ForeignKey(
        "invoicing.TimeEntry", on_delete=models.RESTRICT, related_name="draft_links"
    )
    business_freshbooks_id = models.BigIntegerField()
    time_entry_freshbooks_id = models.BigIntegerField()
    raw_seconds = models.PositiveIntegerField()
    billed_seconds = models.PositiveIntegerField()
    marked_billed = models.BooleanField(default=False)
    voided = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "draft entries"
        constraints = [
            models.UniqueConstraint(
                fields=["business_freshbooks_id", "time_entry_freshbooks_id"],
                condition=Q(voided=False),
                name="entry_on_one_open_draft",
            ),
        ]
        indexes = [models.Index(fields=["draft", "marked_billed"])]

    def __str__(self) -> str:
        return f"Entry {self.time_entry_freshbooks_id} on draft {self.draft_id}"
