"""Mirrors of FreshBooks expenses and taxes (see ``mirror`` for what every mirror keeps)."""

from __future__ import annotations

from django.db import models

from invoicing.models.fields import RateField
from invoicing.models.mirror import Mirror


class Expense(Mirror):
    """An expense; billable ones with no invoice are what a draft can rebill (line type 1).

    ``amount`` includes the expense's own taxes (FreshBooks' recorded bodies: 54.00 with 13% HST
    holds 6.21 of tax); ``tax_amount1/2`` are the tax inside it, ``tax_percent1/2`` the rates when
    FreshBooks sends them.
    """

    class Status(models.IntegerChoices):
        INTERNAL = 0, "Internal"
        OUTSTANDING = 1, "Unbilled"
        INVOICED = 2, "Invoiced"
        RECOUPED = 4, "Paid"

    client_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    project_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    category_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    invoice_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    vendor = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)
    billable = models.BooleanField(default=False)
    markup_percent = models.DecimalField(max_digits=9, decimal_places=3, default=0)
    tax_name1 = models.CharField(max_length=40, blank=True)
    tax_percent1 = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    tax_amount1 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax_name2 = models.CharField(max_length=40, blank=True)
    tax_percent2 = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    tax_amount2 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    compounded_tax = models.BooleanField(default=False)
    status = models.IntegerField(choices=Status.choices, default=Status.INTERNAL)
    active = models.BooleanField(default=True)
    updated_remote = models.DateTimeField(null=True, blank=True)

    class Meta(Mirror.Meta):
        indexes = [
            models.Index(
                fields=["business", "client_freshbooks_id", "billable", "active", "date"],
                name="expense_unbilled",
            ),
        ]

    def __str__(self) -> str:
        return f"Expense {self.freshbooks_id} ({self.vendor or 'no vendor'})"


class Tax(Mirror):
    """A tax the business charges: a percent, optionally compound (on the amount plus the first
    tax of the line)."""

    name = models.CharField(max_length=40, blank=True)
    percent = RateField(null=True, blank=True)
    number = models.CharField(max_length=40, blank=True)
    compound = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    updated_remote = models.DateTimeField(null=True, blank=True)

    class Meta(Mirror.Meta):
        verbose_name_plural = "taxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.percent}%)" if self.name else f"Tax {self.freshbooks_id}"
