"""Local tax defaults: the taxes a time line carries (FreshBooks keeps none for time).

One row per scope: the whole business, one client or one service (service beats client beats
business, ``invoicing.billing.taxes.TaxDefaults``). A row names up to two of the business's
mirrored taxes by FreshBooks id, like every other reference to a FreshBooks object; a client or a
service row naming none means "no tax" and overrides the business's taxes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from connections.models import ConnectedBusiness


class TaxDefault(models.Model):
    class Scope(models.TextChoices):
        BUSINESS = "business", "Business"
        CLIENT = "client", "Client"
        SERVICE = "service", "Service"

    business = models.ForeignKey(ConnectedBusiness, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    client_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    service_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    first_tax_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    second_tax_freshbooks_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["business", "scope", "client_freshbooks_id", "service_freshbooks_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(scope="business"),
                name="one_business_tax_default",
            ),
            models.UniqueConstraint(
                fields=["business", "client_freshbooks_id"],
                condition=Q(scope="client"),
                name="one_tax_default_per_client",
            ),
            models.UniqueConstraint(
                fields=["business", "service_freshbooks_id"],
                condition=Q(scope="service"),
                name="one_tax_default_per_service",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope="business",
                        client_freshbooks_id__isnull=True,
                        service_freshbooks_id__isnull=True,
                    )
                    | Q(
                        scope="client",
                        client_freshbooks_id__isnull=False,
                        service_freshbooks_id__isnull=True,
                    )
                    | Q(
                        scope="service",
                        client_freshbooks_id__isnull=True,
                        service_freshbooks_id__isnull=False,
                    )
                ),
                name="tax_default_names_its_scope",
            ),
            models.CheckConstraint(
                condition=Q(second_tax_freshbooks_id__isnull=True)
                | (
                    Q(first_tax_freshbooks_id__isnull=False)
                    & ~Q(second_tax_freshbooks_id=F("first_tax_freshbooks_id"))
                ),
                name="tax_default_two_different_taxes",
            ),
        ]

    def __str__(self) -> str:
        target = self.client_freshbooks_id or self.service_freshbooks_id or ""
        return f"Tax default of {self.business_id} ({self.scope} {target})".replace(" )", ")")

    @property
    def tax_ids(self) -> list[int]:
        return [
            tax_id
            for tax_id in (self.first_tax_freshbooks_id, self.second_tax_freshbooks_id)
            if tax_id is not None
        ]
