"""A per-business version of everything a preview is planned from, bumped by the database.

Every table whose rows feed the billing rules (the mirrored time, clients, projects, services,
rates, team members, expenses and taxes, the local rate rules and billing defaults, the draft
reservations, and the business's own time zone and currency) carries PostgreSQL triggers (migration
`0012_billing_inputs_version`) that bump `BillingInputsVersion.version` of the business whose row
changed, once per transaction, in the same transaction. A preview stores the version it was planned
at (read before its entries), so "is this preview outdated?" is one indexed read, whatever the size
of the mirror, and no writer (sync, webhooks, outside hours, the rates pages, the admin, raw SQL)
can change a preview's inputs without it.

An update that changes only bookkeeping columns (`synced_at`, `seen_by_run_id`: an incremental
sync re-reading an overlap) does not bump it.
"""

from __future__ import annotations

from django.db import models

from connections.models import ConnectedBusiness


class BillingInputsVersion(models.Model):
    business = models.OneToOneField(
        ConnectedBusiness, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"billing inputs of business {self.business_id}: version {self.version}"
