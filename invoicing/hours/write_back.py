"""Optional write-back (a per-business setting, off by default): once hours from outside
FreshBooks are billed, each is also created in FreshBooks as a billed time entry, so FreshBooks'
own reports show them.

Exactly once, as drafts are: the intent (`write_back_started_at`) is committed before the POST,
and the entry carries a reference in its note. A run that finds an intent older than the lease
(the worker died between the POST and saving the id) looks the entry up by its reference first
and adopts it; only when it is not there is it created again. A younger intent belongs to a
worker still on it and is left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, FreshBooksError
from connections.freshbooks.filters import format_utc
from connections.models import ConnectedBusiness
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from invoicing.models import BillingPolicy, TimeEntry

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
LOOKUP_WINDOW = timedelta(minutes=1)


def write_back_reference(entry: TimeEntry) -> str:
    return f"[FBB-H{entry.pk}]"


def _pending(business: ConnectedBusiness):
    return TimeEntry.objects.filter(
        business=business, billed=True, active=True, write_back_freshbooks_id__isnull=True
    ).exclude(source=TimeEntry.Source.FRESHBOOKS)


def hours_write_back(*, business_id: int, client: FreshBooksClient | None = None) -> int:
    """Write the business's billed outside hours to FreshBooks; returns how many were written.

    Raises FreshBooks errors (the next run resumes) and ReauthorizationRequired.
    """
    business = ConnectedBusiness.objects.select_related("connection__identity").get(pk=business_id)
    if not BillingPolicy.objects.filter(business=business, write_back_outside_hours=True).exists():
        return 0
    ids = list(_pending(business).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    if client is not None:
        return sum(_write_one(client, business, entry_id) for entry_id in ids)
    with api_client_for(business.connection.identity) as own_client:
        return sum(_write_one(own_client, business, entry_id) for entry_id in ids)


def _write_one(client: FreshBooksClient, business: ConnectedBusiness, entry_id: int) -> int:
    now = timezone.now()
    with transaction.atomic():
        entry = _pending(business).select_for_update().filter(pk=entry_id).first()
        if entry is None:
            return 0
        intent = entry.write_back_started_at
        if intent is not None and now - intent < LEASE:
            return 0  # another worker is on it
        entry.write_back_started_at = now
        entry.save(update_fields=["write_back_started_at"])
    if intent is not None:
        found = _find(client, business, entry)
        if found is not None:
            logger.info("outside entry %s: adopted FreshBooks entry %s", entry.pk, found)
            _save(entry, found)
            return 0
    created = client.create_time_entry(business.business_id, _payload(entry))
    _save(entry, int(created["id"]))
    return 1


def _payload(entry: TimeEntry) -> dict:
    payload = {
        "is_logged": True,
        "started_at": format_utc(entry.started_at),
        "duration": entry.duration_seconds,
        "note": f"{entry.note}\n{write_back_reference(entry)}".strip(),
        "client_id": entry.client_freshbooks_id,
        "project_id": entry.project_freshbooks_id,
        "service_id": entry.service_freshbooks_id,
        "billable": True,
        "billed": True,
    }
    if entry.identity_id is not None:
        payload["identity_id"] = entry.identity_id
    return {key: value for key, value in payload.items() if value is not None}


def _find(client: FreshBooksClient, business: ConnectedBusiness, entry: TimeEntry) -> int | None:
    reference = write_back_reference(entry)
    for remote in client.iter_time_entries(
        business.business_id,
        started_from=entry.started_at - LOOKUP_WINDOW,
        started_to=entry.started_at + LOOKUP_WINDOW,
        team=True,
        include_unlogged=True,
    ):
        if reference in str(remote.get("note") or ""):
            return int(remote["id"])
    return None


def _save(entry: TimeEntry, freshbooks_id: int) -> None:
    TimeEntry.objects.filter(pk=entry.pk).update(write_back_freshbooks_id=freshbooks_id)


def hours_write_back_sweep() -> int:
    """Beat: every business with the setting on and billed outside hours not yet written."""
    business_ids = (
        TimeEntry.objects.filter(
            business__billing_policy__write_back_outside_hours=True,
            billed=True,
            active=True,
            write_back_freshbooks_id__isnull=True,
        )
        .exclude(source=TimeEntry.Source.FRESHBOOKS)
        .values_list("business_id", flat=True)
        .distinct()
    )
    written = 0
    for business_id in list(business_ids):
        try:
            written += hours_write_back(business_id=business_id)
        except (FreshBooksError, ReauthorizationRequired) as error:
            logger.warning(
                "write-back for business %s stopped, will resume: %s", business_id, error
            )
    return written
