"""CSV imports: upload (checked, nothing stored but the file), map unknown names, confirm, run.

Nothing reaches the time entries before the user confirms the preview. A confirmed import runs
in chunks, each in one transaction with its progress, under the import row's lock, so a killed
worker's import resumes where it stopped and two workers never import one chunk twice. Rows
upsert by their ids, so importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integration_app.enqueue import IMPORT_HOURS, enqueue_on_commit
from invoicing.hours.formats import NotATimeReport, detect
from invoicing.hours.preview import KINDS, import_plan, mapping_key
from invoicing.hours.services import HoursRejected, hours_upsert, locked_entries
from invoicing.models import HoursImport, TimeEntry

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_LABEL = "10 MB"
MAX_ROWS = 50_000
# Up to this many rows import during the request; more go to a task with a progress bar.
INLINE_ROWS = 500
CHUNK_ROWS = 500
STALE_AFTER = timedelta(minutes=2)
Status = HoursImport.Status


def hours_import_upload(*, business, user, filename: str, content: bytes) -> HoursImport:
    """Keep an uploaded report for its preview. Raises NotATimeReport (too big, not CSV, unknown
    columns, too many rows)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise NotATimeReport(f"This file is over the {MAX_UPLOAD_LABEL} limit; split the report.")
    if not filename.lower().endswith((".csv", ".txt")):
        raise NotATimeReport("Upload a .csv file (a CSV export of a detailed time report).")
    found, text, _ = detect(content)
    if text.count("\n") > MAX_ROWS + 1:
        raise NotATimeReport(f"This file has over {MAX_ROWS:,} rows; split the report.")
    return HoursImport.objects.create(
        business=business,
        user=user,
        filename=filename[:255],
        tool=found.tool,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def hours_import_map(*, hours_import: HoursImport, kind: str, name: str, target: int | None):
    """Map a name of the file to one of the business's objects (or to nothing) for all rows."""
    if kind not in KINDS or (kind == "client" and target is None):
        raise ValueError(f"cannot map a {kind} to {target}")
    with transaction.atomic():
        locked = HoursImport.objects.select_for_update().get(pk=hours_import.pk)
        if locked.status != Status.PREVIEW:
            return locked
        mapping = dict(locked.mapping or {})
        mapping[kind] = {**mapping.get(kind, {}), mapping_key(name): target}
        locked.mapping = mapping
        locked.save(update_fields=["mapping"])
    return locked


def hours_import_discard(*, hours_import: HoursImport) -> None:
    HoursImport.objects.filter(pk=hours_import.pk, status=Status.PREVIEW).update(
        status=Status.DISCARDED, content=b"", finished_at=timezone.now()
    )


def hours_import_confirm(*, hours_import: HoursImport) -> HoursImport:
    """Start the import the user saw; small files finish at once. A second confirm does nothing."""
    plan = import_plan(hours_import)
    with transaction.atomic():
        locked = HoursImport.objects.select_for_update().get(pk=hours_import.pk)
        if locked.status != Status.PREVIEW:
            return locked
        locked.rows_total = len(plan.rows)
        locked.rows_to_import = len(plan.entries)
        locked.skipped = len(plan.problem_rows)
        locked.already_billed = plan.counts["billed"]
        locked.status = Status.QUEUED
        locked.heartbeat_at = timezone.now()
        locked.save()
        if locked.rows_to_import > INLINE_ROWS:
            enqueue_on_commit(IMPORT_HOURS, locked.pk)
            return locked
    return hours_import_run(import_id=locked.pk)


def hours_import_run(*, import_id: int) -> HoursImport:
    """Import what is left, chunk by chunk (the task's body; safe to run twice at once)."""
    hours_import = HoursImport.objects.select_related("business").get(pk=import_id)
    if hours_import.status not in (Status.QUEUED, Status.IMPORTING):
        return hours_import  # done, failed or discarded: a late or repeated task does nothing
    entries = import_plan(hours_import).entries
    while True:
        with transaction.atomic():
            locked = HoursImport.objects.select_for_update().get(pk=import_id)
            if locked.status not in (Status.QUEUED, Status.IMPORTING):
                return locked
            chunk = entries[locked.rows_done : locked.rows_done + CHUNK_ROWS]
            if not chunk:
                locked.status = Status.DONE
                locked.finished_at = timezone.now()
                locked.content = b""  # the time entries hold what it brought; the file goes
                locked.save()
                logger.info("import %s done: %s added", locked.pk, locked.added)
                return locked
            billed = _locked_ids(hours_import, [entry.external_id for entry in chunk])
            try:
                stored = hours_upsert(
                    business=hours_import.business,
                    source=TimeEntry.Source.CSV,
                    tool=hours_import.tool,
                    entries=[entry for entry in chunk if entry.external_id not in billed],
                    user=hours_import.user,
                )
            except HoursRejected as rejected:
                return _failed(locked, rejected)
            locked.status = Status.IMPORTING
            locked.rows_done += len(chunk)
            locked.added += stored.added
            locked.updated += stored.updated
            locked.unchanged += stored.unchanged
            locked.already_billed += len(billed)
            locked.heartbeat_at = timezone.now()
            locked.save()


def _locked_ids(hours_import: HoursImport, external_ids: list[str]) -> set[str]:
    """Of these rows, those imported before and billed since (a second import leaves them)."""
    rows = locked_entries(hours_import.business).filter(
        source=TimeEntry.Source.CSV, external_id__in=external_ids
    )
    return {row.external_id for row in rows if row.billed or row.on_draft}


def _failed(locked: HoursImport, rejected: HoursRejected) -> HoursImport:
    first = next(iter(rejected.problems.values()), {})
    locked.status = Status.FAILED
    locked.error = f"Stopped: {'; '.join(first.values()) or rejected}"[:2000]
    locked.finished_at = timezone.now()
    locked.save()
    return locked


def hours_imports_sweep() -> int:
    """Beat: re-enqueue confirmed imports whose worker went quiet (killed, broker outage)."""
    stale = HoursImport.objects.filter(
        status__in=(Status.QUEUED, Status.IMPORTING),
        heartbeat_at__lt=timezone.now() - STALE_AFTER,
    ).values_list("pk", flat=True)
    count = 0
    for import_id in stale:
        HoursImport.objects.filter(pk=import_id).update(heartbeat_at=timezone.now())
        enqueue_on_commit(IMPORT_HOURS, import_id)
        count += 1
    return count
