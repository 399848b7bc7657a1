"""Emails about invoice runs and syncs (sent by the notifications package, once per event).

Each function is called where the state changes, inside that transaction; the email leaves after
commit. Links go to pages scoped to the business's owner, so a forwarded email opens nothing for
anyone else.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import ngettext

from connections.models import ConnectedBusiness
from invoicing.models import InvoiceRun, SyncRun
from invoicing.money_format import format_money
from invoicing.selectors.issues import held_back_count
from notifications.models import Kind
from notifications.services import absolute_url, notification_queue


def _owner_ids(business: ConnectedBusiness) -> list[int]:
    connection = business.connection
    if connection.disconnected_at is not None or not business.active:
        return []
    return [connection.user_id]


def _totals_text(preview: dict) -> str:
    totals = preview.get("totals_by_currency") or {}
    return " and ".join(format_money(Decimal(total), code) for code, total in totals.items()) or (
        "nothing"
    )


def run_ready_notify(*, run: InvoiceRun) -> int:
    """A scheduled run's drafts wait for approval (preview) or were created (completed)."""
    if run.trigger != InvoiceRun.Trigger.SCHEDULE:
        return 0
    waiting = run.status == InvoiceRun.Status.PREVIEWED
    drafts = run.preview.get("drafts_to_create", 0) if waiting else run.drafts_done
    held_back = held_back_count(run.preview)
    if not drafts and not held_back:
        return 0  # nothing to bill this period: no news
    business = run.business
    return notification_queue(
        user_ids=_owner_ids(business),
        kind=Kind.DRAFTS_READY,
        event_key=f"invoice-run:{run.pk}",
        subject=(
            f"Clients held back by the scheduled run: {business.name}"
            if not drafts
            else f"Drafts waiting for your approval: {business.name}"
            if waiting
            else f"Drafts created in FreshBooks: {business.name}"
        ),
        context={
            "waiting": waiting,
            "business": business.name,
            "period": run.period_label,
            "drafts": drafts,
            "total": _totals_text(run.preview),
            "held_back": held_back,
            "link": absolute_url("invoices:run", business.pk, run.pk),
            "settings_link": absolute_url("notifications:settings"),
        },
    )


def run_failed_notify(*, run: InvoiceRun) -> int:
    """A run failed, or finished with drafts that failed for good."""
    business = run.business
    if run.status == InvoiceRun.Status.FAILED:
        reason = run.error or "The run could not be completed."
        advice = "Open the run, fix what it names, then make a new preview."
    else:
        count = run.drafts_failed
        reason = (
            ngettext(
                "%d draft could not be created in FreshBooks.",
                "%d drafts could not be created in FreshBooks.",
                count,
            )
            % count
        )
        advice = "Open the run to see each failed draft's reason and retry it."
    return notification_queue(
        user_ids=_owner_ids(business),
        kind=Kind.FAILED,
        event_key=f"invoice-run:{run.pk}:failed",
        subject=f"Invoice run failed: {business.name}",
        context={
            "what": f"The invoice run for {run.period_label}",
            "business": business.name,
            "reason": reason,
            "advice": advice,
            "link": absolute_url("invoices:run", business.pk, run.pk),
            "settings_link": absolute_url("notifications:settings"),
        },
    )


def sync_failed_notify(*, run: SyncRun) -> int:
    business = run.business
    return notification_queue(
        user_ids=_owner_ids(business),
        kind=Kind.FAILED,
        event_key=f"sync-run:{run.pk}:failed",
        subject=f"Sync failed: {business.name}",
        context={
            "what": "Copying your FreshBooks data",
            "business": business.name,
            "reason": run.error or "FreshBooks refused the sync.",
            "advice": (
                "Open the business and press Sync now to try again; if it fails the same way, "
                "check the business's access in FreshBooks."
            ),
            "link": absolute_url("invoicing:business", business.pk, fragment="issues"),
            "settings_link": absolute_url("notifications:settings"),
        },
    )
