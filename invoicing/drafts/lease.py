"""Leases: one worker at a time works on a draft, and a killed worker's claim runs out.

A lease is a token and an expiry on the draft row, taken under a row lock. Every state change a
worker makes is a conditional UPDATE that also checks the token, so a worker whose lease was taken
over (it stalled past the expiry) cannot write over the new owner's progress.

Leases are short (INVOICE_DRAFT_LEASE_SECONDS, 30 s) and a heartbeat thread renews them while the
worker lives, also during a slow FreshBooks call, so a killed worker's draft is free again within
one lease and the sweeper hands it to another worker within a minute.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from invoicing.drafts.errors import LeaseLost
from invoicing.models import DraftInvoice

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    """Longer than the slowest single FreshBooks call (connect + read); renewed while working."""
    return settings.INVOICE_DRAFT_LEASE_SECONDS


def submit_timeout() -> tuple[float, float]:
    """(connect, read) timeouts for a draft's POST that end well within one lease.

    The POST is sent right after the lease is renewed (`lease_renew` before each attempt), so a
    worker cut off from the database (its heartbeat failing) still holds the lease until its POST
    has answered or timed out; only then can another worker take the draft over and look the
    invoice up by its reference. A POST allowed to outlive the lease could land after that lookup
    found nothing, and the draft would be created twice.
    """
    lease = float(lease_seconds())
    margin = lease / 6
    connect = min(float(settings.FRESHBOOKS_CONNECT_TIMEOUT), lease / 3)
    read = min(float(settings.FRESHBOOKS_READ_TIMEOUT), lease - connect - margin)
    return connect, read


def lease_claim(draft_id: int) -> DraftInvoice | None:
    """The draft with a fresh lease held by the caller, or None while someone else holds it."""
    with transaction.atomic():
        draft = DraftInvoice.objects.select_for_update().get(pk=draft_id)
        now = timezone.now()
        if draft.lease_token and draft.lease_expires_at and draft.lease_expires_at > now:
            return None
        draft.lease_token = uuid.uuid4().hex
        draft.lease_expires_at = now + timedelta(seconds=lease_seconds())
        draft.save(update_fields=["lease_token", "lease_expires_at", "updated_at"])
    return draft


def lease_renew(draft: DraftInvoice) -> None:
    expires_at = timezone.now() + timedelta(seconds=lease_seconds())
    held = DraftInvoice.objects.filter(pk=draft.pk, lease_token=draft.lease_token).update(
        lease_expires_at=expires_at
    )
    if not held:
        raise LeaseLost(f"Draft #{draft.pk} was taken over by another worker.")
    draft.lease_expires_at = expires_at


@contextmanager
def lease_heartbeat(draft: DraftInvoice) -> Iterator[None]:
    """Renew the draft's lease every third of its length until the block ends.

    The renewal runs in a thread of its own, with its own database connection, so it goes on
    while the worker waits on FreshBooks. It stops when the lease was taken over; the worker's
    next conditional write then raises LeaseLost.
    """
    stop = threading.Event()

    def renew_until_stopped() -> None:
        queried = False
        try:
            while not stop.wait(lease_seconds() / 3):
                queried = True
                expires_at = timezone.now() + timedelta(seconds=lease_seconds())
                held = DraftInvoice.objects.filter(
                    pk=draft.pk, lease_token=draft.lease_token
                ).update(lease_expires_at=expires_at)
                if not held:
                    logger.warning("draft %s: lease taken over; heartbeat stops", draft.pk)
                    return
        except Exception:  # a database hiccup: the lease runs out and the sweeper resumes it
            logger.exception("draft %s: lease heartbeat failed", draft.pk)
        finally:
            if queried:
                connection.close()

    beat = threading.Thread(target=renew_until_stopped, name=f"lease-{draft.pk}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def lease_release(draft: DraftInvoice) -> None:
    DraftInvoice.objects.filter(pk=draft.pk, lease_token=draft.lease_token).update(
        lease_token="", lease_expires_at=None
    )


ERROR_LOG_LIMIT = 50


def draft_update(draft: DraftInvoice, **changes: Any) -> None:
    """Write `changes` (committed at once outside a transaction) only while holding the lease.

    A non-empty `error` is also appended to the draft's error log, for the audit.
    """
    now = timezone.now()
    changes["updated_at"] = now
    if changes.get("error"):
        entry = {
            "at": now.isoformat(),
            "state": changes.get("state", draft.state),
            "error": changes["error"],
        }
        changes["error_log"] = [*draft.error_log, entry][-ERROR_LOG_LIMIT:]
    held = DraftInvoice.objects.filter(pk=draft.pk, lease_token=draft.lease_token).update(**changes)
    if not held:
        raise LeaseLost(f"Draft #{draft.pk} was taken over by another worker.")
    for name, value in changes.items():
        setattr(draft, name, value)
