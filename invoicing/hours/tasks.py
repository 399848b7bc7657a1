"""Thin Celery tasks for CSV imports of hours (queue `invoicing`)."""

from __future__ import annotations

from celery import shared_task

from invoicing.hours.imports import hours_import_run, hours_imports_sweep
from invoicing.hours.write_back import hours_write_back_sweep


@shared_task(name="invoicing.import_hours")
def import_hours(import_id: int) -> None:
    """Import a confirmed CSV, chunk by chunk, resuming where a previous run stopped."""
    hours_import_run(import_id=import_id)


@shared_task(name="invoicing.sweep_hours_imports")
def sweep_hours_imports() -> int:
    """Beat: resume confirmed imports whose worker went quiet."""
    return hours_imports_sweep()


@shared_task(name="invoicing.write_back_hours")
def write_back_hours() -> int:
    """Beat: copy billed outside hours to FreshBooks where a business asked for it."""
    return hours_write_back_sweep()
