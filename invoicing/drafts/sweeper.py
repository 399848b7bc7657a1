"""Beat: re-enqueue drafts left in a working state (lost task, killed worker, broker outage), and
finish runs whose drafts have all settled but whose status was never brought up to date."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from connections.models import FreshBooksIdentity
from integration_app.enqueue import ADVANCE_DRAFT, enqueue_on_commit
from invoicing.drafts.advance import RESUMABLE_STATES
from invoicing.drafts.progress import invoice_run_refresh
from invoicing.models import DraftInvoice, InvoiceRun


def drafts_sweep(*, stale_after: timedelta | None = None) -> int:
    """Enqueue every resumable draft untouched for `stale_after` whose lease has run out.

    A draft still leased is being worked on (or its worker died and the lease has not run out
    yet: the next sweep takes it). Drafts of businesses without FreshBooks access wait for the
    reconnect. Returns how many were enqueued.

    Runs still ``creating`` with every draft settled are refreshed: a draft's last step refreshes
    its run, and a connection lost or a worker killed right then would leave the run ``creating``
    for good (no draft of it is left to sweep).
    """

    if stale_after is None:
        stale_after = timedelta(seconds=settings.INVOICE_DRAFT_STALE_SECONDS)
    now = timezone.now()
    draft_ids = list(
        DraftInvoice.objects.filter(
            state__in=RESUMABLE_STATES,
            updated_at__lte=now - stale_after,
            business__active=True,
            business__connection__disconnected_at__isnull=True,
            business__connection__identity__state=FreshBooksIdentity.State.ACTIVE,
        )
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for draft_id in draft_ids:
        enqueue_on_commit(ADVANCE_DRAFT, draft_id)
    runs_settle()
    return len(draft_ids)


def runs_settle() -> int:
    """Refresh every run left ``creating`` although none of its drafts is still working."""
    run_ids = list(
        InvoiceRun.objects.filter(status=InvoiceRun.Status.CREATING, drafts__isnull=False)
        .exclude(drafts__state__in=RESUMABLE_STATES)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for run_id in run_ids:
        invoice_run_refresh(run_id=run_id)
    return len(run_ids)
