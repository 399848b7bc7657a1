"""Invoice runs and draft invoices, with their lines and the time entries they reserve.

A draft row is the outbox of one FreshBooks invoice: it is written (with its lines and the time
entries it reserves) before FreshBooks is called, and its `state` says how far it got, so a crashed
or retried worker resumes it instead of starting over. See shared/design/billing.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from connections.models import ConnectedBusiness
from invoicing.billing.taxes import LineTaxes, Tax
from invoicing.models.fields import RateField
from invoicing.models.policies import InvoiceSchedule


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
        DISCARDED = "discarded", "Discarded"

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
    # A re-bill: the draft this run replaces, and why. The draft stays open while the run is a
    # preview; it is voided only when the user confirms, just before the replacement is created.
    replaces_draft = models.ForeignKey(
        "invoicing.DraftInvoice",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="replacement_runs",
    )
    rebill_reason = models.TextField(blank=True)
    preview = models.JSONField(default=dict)
    # The plan "Create drafts" found when it differed from `preview`: nothing was created, and it
    # waits for the user to confirm it as the new preview (empty otherwise).
    replanned = models.JSONField(default=dict, blank=True)
    # What the preview page shows of `preview`: the same document with its long lists cut to
    # their first rows and counted (invoicing.selectors.previews.preview_page_document), so the
    # page never loads every entry of a 100,000-entry preview.
    preview_page = models.JSONField(default=dict, blank=True)
    # The business's BillingInputsVersion when `preview` was planned (None: made before it
    # existed); another version now means the preview's inputs changed since.
    inputs_version = models.BigIntegerField(null=True, blank=True)
    drafts_total = models.PositiveIntegerField(default=0)
    drafts_done = models.PositiveIntegerField(default=0)
    drafts_failed = models.PositiveIntegerField(default=0)
    drafts_voided = models.PositiveIntegerField(default=0)
    entries_reserved = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    discarded_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def is_preview(self) -> bool:
        """Still a preview: nothing was created, and it was not discarded."""
        return self.status == self.Status.PREVIEWED


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
    # What the invoice comes to, taxes included; `subtotal` before taxes (None: planned before
    # drafts carried taxes) and `taxes` each tax as the preview showed it:
    # [{"name", "percent", "amount"}] (strings).
    total = models.DecimalField(max_digits=14, decimal_places=2)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    taxes = models.JSONField(default=list, blank=True)
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


class DraftLine(models.Model):
    draft = models.ForeignKey(DraftInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    # The rate at full precision: FreshBooks computes the amount from it (qty x unit_cost, half
    # up to cents), which is what `amount` holds.
    unit_cost = RateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    rate_sources = models.JSONField(default=list)
    raw_seconds = models.PositiveIntegerField()
    billed_seconds = models.PositiveIntegerField()
    # The line's taxes as FreshBooks takes them (taxName1/taxAmount1, ...; percents).
    tax_name1 = models.CharField(max_length=40, blank=True)
    tax_percent1 = RateField(null=True, blank=True)
    tax_number1 = models.CharField(max_length=40, blank=True)
    tax_name2 = models.CharField(max_length=40, blank=True)
    tax_percent2 = RateField(null=True, blank=True)
    tax_number2 = models.CharField(max_length=40, blank=True)
    compounded_tax = models.BooleanField(default=False)

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "position"], name="unique_draft_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.quantity} × {self.unit_cost}"

    @property
    def taxes(self) -> LineTaxes:
        """The line's taxes as the billing rules carry them (validated when it was planned)."""
        first = second = None
        if self.tax_percent1 is not None:
            first = Tax(self.tax_name1, self.tax_percent1, self.tax_number1)
        if first is not None and self.tax_percent2 is not None:
            second = Tax(self.tax_name2, self.tax_percent2, self.tax_number2)
        return LineTaxes(first=first, second=second, compound=self.compounded_tax)


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


class DraftExpense(models.Model):
    """An expense reserved by a draft's expense line (FreshBooks' line type 1).

    Like `DraftEntry`: `voided` copies "the draft is voided" so a partial unique index keeps a
    FreshBooks expense on at most one open draft. `taxes` are the line's tax fields as FreshBooks
    takes them (`taxName1`, `taxAmount1`, ...); `marked_billed` says the mirror shows the expense
    on the draft's invoice (FreshBooks marks it billed itself when the invoice takes the line).
    """

    draft = models.ForeignKey(DraftInvoice, on_delete=models.CASCADE, related_name="expenses")
    line = models.OneToOneField(DraftLine, on_delete=models.CASCADE, related_name="expense")
    expense = models.ForeignKey(
        "invoicing.Expense", on_delete=models.RESTRICT, related_name="draft_links"
    )
    business_freshbooks_id = models.BigIntegerField()
    expense_freshbooks_id = models.BigIntegerField()
    taxes = models.JSONField(default=dict, blank=True)
    marked_billed = models.BooleanField(default=False)
    voided = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business_freshbooks_id", "expense_freshbooks_id"],
                condition=Q(voided=False),
                name="expense_on_one_open_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"Expense {self.expense_freshbooks_id} on draft {self.draft_id}"
