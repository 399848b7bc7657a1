"""A business's billing defaults, local rate rules and invoice schedule."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.template.defaultfilters import pluralize

from connections.models import ConnectedBusiness
from invoicing.billing.expenses import EXPENSE_CHOICES as EXPENSE_CHOICE_LABELS
from invoicing.billing.expenses import EXPENSES_ALL
from invoicing.billing.options import GROUPING_MODES, UNPRICED_HOLD, UNPRICED_LEAVE, UNPRICED_ZERO
from invoicing.billing.periods import PRESETS
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS
from invoicing.models.fields import RateField

__all__ = ["BillingPolicy", "InvoiceSchedule", "RateRule"]

# One name per option on the preview form, the schedule and the billing defaults.
GROUPING_LABELS = {
    "detailed": "Detailed: one line per time entry",
    "service": "By service",
    "project": "By project",
    "team_member": "By team member",
    "day": "By day",
    "single": "Single line",
}
PERIOD_LABELS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_week": "This week",
    "last_week": "Last week",
    "custom": "Custom dates",
}
DIRECTION_LABELS = {"up": "Up", "nearest": "To the nearest", "down": "Down"}
LEVEL_LABELS = {"entry": "Per time entry", "line": "Per invoice line"}
GROUPING_CHOICES = [(mode, GROUPING_LABELS[mode]) for mode in GROUPING_MODES]
INCREMENT_CHOICES = [
    (minutes, "No rounding" if minutes == 0 else f"{minutes} minute{pluralize(minutes)}")
    for minutes in INCREMENTS_MINUTES
]
DIRECTION_CHOICES = [(direction, DIRECTION_LABELS[direction]) for direction in DIRECTIONS]
LEVEL_CHOICES = [(level, LEVEL_LABELS[level]) for level in LEVELS]
PERIOD_CHOICES = [(preset, PERIOD_LABELS[preset]) for preset in PRESETS]
# The same words on the preview form, the schedule and the billing defaults.
UNPRICED_CHOICES = [
    (UNPRICED_HOLD, "Hold back a client's draft until its unpriced time has a rate"),
    (UNPRICED_LEAVE, "Leave unpriced time unbilled and bill the rest"),
    (UNPRICED_ZERO, "Bill unpriced time as 0.00 lines so it shows on the invoice"),
]
UNPRICED_HELP = "Unpriced time is time without a rate, or with a rate of 0.00."
# FreshBooks' three choices for unbilled expenses, on the preview form and the billing defaults.
EXPENSE_CHOICES = list(EXPENSE_CHOICE_LABELS.items())
EXPENSES_HELP = (
    "Billable expenses with no invoice yet, dated in the period, each on its own line with its "
    "markup and its own taxes."
)


class BillingPolicy(models.Model):
    """A business's defaults for runs; each run may override them."""

    business = models.OneToOneField(
        ConnectedBusiness, on_delete=models.CASCADE, related_name="billing_policy"
    )
    rounding_increment = models.PositiveSmallIntegerField(choices=INCREMENT_CHOICES, default=0)
    rounding_direction = models.CharField(max_length=8, choices=DIRECTION_CHOICES, default="up")
    rounding_level = models.CharField(max_length=8, choices=LEVEL_CHOICES, default="entry")
    grouping = models.CharField(max_length=16, choices=GROUPING_CHOICES, default="service")
    unpriced = models.CharField(
        "Unpriced time",
        max_length=16,
        choices=UNPRICED_CHOICES,
        default=UNPRICED_HOLD,
        help_text=UNPRICED_HELP,
    )
    expenses = models.CharField(
        "Unbilled expenses",
        max_length=16,
        choices=EXPENSE_CHOICES,
        default=EXPENSES_ALL,
        help_text=EXPENSES_HELP,
    )
    # FreshBooks' API does not expose the business standard rate; it can be entered here.
    standard_rate = RateField(null=True, blank=True)
    # When someone chose "Skip for now" at "What do you charge per hour?" (not asked again).
    standard_rate_skipped_at = models.DateTimeField(null=True, blank=True)
    # Hours from outside FreshBooks are also written to FreshBooks as billed time entries once
    # billed, so its own reports show them (invoicing.hours.write_back).
    write_back_outside_hours = models.BooleanField(
        "Copy outside hours to FreshBooks",
        default=False,
        help_text="When hours from the API, a CSV import or manual entry are billed, also create "
        "them in FreshBooks as billed time entries, so FreshBooks' reports show them.",
    )
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
    rate = RateField()
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
    unpriced = models.CharField(
        "Unpriced time",
        max_length=16,
        choices=UNPRICED_CHOICES,
        default=UNPRICED_HOLD,
        help_text=UNPRICED_HELP,
    )
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
            "unpriced": self.unpriced,
        }
