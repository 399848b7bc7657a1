"""Read queries over invoice runs, drafts and a business's invoice settings, for views and admin.

Every function takes an already-authorised business, so another user's run or draft id is a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness
from invoicing.models import DraftInvoice, DraftLine, InvoiceRun, InvoiceSchedule

RUNS_LISTED = 50
# Runs that created drafts (or tried to); previews and discarded previews are listed apart.
NOT_CREATING = (InvoiceRun.Status.PREVIEWED, InvoiceRun.Status.DISCARDED)


def invoice_run_for(business: ConnectedBusiness, run_pk: int) -> InvoiceRun:
    return get_object_or_404(
        InvoiceRun.objects.select_related("started_by", "approved_by"), pk=run_pk, business=business
    )


def draft_for(business: ConnectedBusiness, draft_pk: int) -> DraftInvoice:
    return get_object_or_404(
        DraftInvoice.objects.select_related("run", "voided_by"), pk=draft_pk, business=business
    )


def drafts_of_run(run: InvoiceRun) -> list[DraftInvoice]:
    return list(run.drafts.order_by("client_name", "pk"))


def draft_lines(draft: DraftInvoice) -> QuerySet[DraftLine]:
    return draft.lines.all()


def invoice_runs_of(business: ConnectedBusiness, limit: int = RUNS_LISTED) -> list[InvoiceRun]:
    """Runs that created drafts (or failed trying), newest first; previews are apart."""
    return list(
        InvoiceRun.objects.filter(business=business)
        .exclude(status__in=NOT_CREATING)
        .select_related("started_by", "schedule")
        .order_by("-created_at", "-pk")[:limit]
    )


def recent_invoice_runs(business: ConnectedBusiness, limit: int = 10) -> QuerySet[InvoiceRun]:
    return (
        InvoiceRun.objects.filter(business=business)
        .exclude(status__in=NOT_CREATING)
        .order_by("-created_at", "-pk")[:limit]
    )


def discarded_previews_count(business: ConnectedBusiness) -> int:
    return InvoiceRun.objects.filter(business=business, status=InvoiceRun.Status.DISCARDED).count()


def invoice_schedule_of(business: ConnectedBusiness) -> InvoiceSchedule:
    """The business's schedule; an unsaved, inactive one when it never saved any."""
    return InvoiceSchedule.objects.filter(business=business).first() or InvoiceSchedule(
        business=business
    )


def saved_invoice_schedule_of(business: ConnectedBusiness) -> InvoiceSchedule | None:
    return InvoiceSchedule.objects.filter(business=business).first()
