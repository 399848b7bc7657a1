"""Read queries over the mirrors for views and admin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from connections.models import ConnectedBusiness
from invoicing.models import Client, SyncRun, TimeEntry


@dataclass(frozen=True)
class UnbilledClientHours:
    client_id: int
    client_name: str
    currency_code: str
    entries: int
    seconds: int

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def unbilled_time_entries(business: ConnectedBusiness):
    """Logged, billable, not yet billed time with a client: what invoicing can pick from."""
    return TimeEntry.objects.filter(
        business=business,
        billable=True,
        billed=False,
        active=True,
        is_logged=True,
        client_freshbooks_id__isnull=False,
    )


def unbilled_hours_by_client(business: ConnectedBusiness) -> list[UnbilledClientHours]:
    totals = (
        unbilled_time_entries(business)
        .values("client_freshbooks_id")
        .annotate(seconds=Sum("duration_seconds"), entries=Count("id"))
        .order_by()
    )
    clients = {
        client.freshbooks_id: client
        for client in Client.objects.filter(
            business=business, freshbooks_id__in=[row["client_freshbooks_id"] for row in totals]
        ).only("freshbooks_id", "display_name", "currency_code")
    }
    rows = []
    for row in totals:
        client = clients.get(row["client_freshbooks_id"])
        rows.append(
            UnbilledClientHours(
                client_id=row["client_freshbooks_id"],
                client_name=str(client) if client else f"Client {row['client_freshbooks_id']}",
                currency_code=(client.currency_code if client else "") or business.currency_code,
                entries=row["entries"],
                seconds=row["seconds"] or 0,
            )
        )
    return sorted(rows, key=lambda row: (-row.seconds, row.client_name))


def recent_sync_runs(business: ConnectedBusiness, limit: int = 10):
    return SyncRun.objects.filter(business=business).order_by("-created_at")[:limit]
