"""The Celery application: Redis broker, JSON only, one queue per kind of work.

Webhooks get their own queue so a long sync or invoice run never delays them.
"""

from __future__ import annotations

from celery import Celery, signals
from django.conf import settings
from kombu import Queue

from integration_app import logging as app_logging
from integration_app.startup import load_settings_or_exit

load_settings_or_exit()

app = Celery("integration_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("webhooks", "sync", "invoicing", "default")]


def beat_schedule() -> dict[str, dict[str, object]]:
    """What beat starts, and how often (seconds), from the settings."""
    return {
        "refresh-expiring-identity-tokens": {
            "task": "default.refresh_expiring_identity_tokens",
            "schedule": 300.0,
        },
        "schedule-syncs": {
            "task": "sync.schedule_syncs",
            "schedule": float(settings.SYNC_INTERVAL_SECONDS),
        },
        "sweep-sync-runs": {"task": "sync.sweep_sync_runs", "schedule": 120.0},
        # Often, so a killed worker's draft resumes within a minute (lease + one sweep).
        "sweep-drafts": {
            "task": "invoicing.sweep_drafts",
            "schedule": float(settings.INVOICE_DRAFT_SWEEP_SECONDS),
        },
        "fire-due-schedules": {"task": "invoicing.fire_due_schedules", "schedule": 900.0},
        "sweep-hours-imports": {"task": "invoicing.sweep_hours_imports", "schedule": 60.0},
        "write-back-hours": {"task": "invoicing.write_back_hours", "schedule": 60.0},
        "webhooks-sweep": {
            "task": "webhooks.sweep",
            "schedule": float(settings.WEBHOOK_SWEEP_INTERVAL_SECONDS),
        },
        "sweep-notifications": {"task": "default.sweep_notifications", "schedule": 120.0},
        "webhooks-prune": {"task": "webhooks.prune_deliveries", "schedule": 3600.0},
    }


BEAT_SCHEDULE = beat_schedule()
app.conf.beat_schedule = BEAT_SCHEDULE
# `<app>.tasks` of every installed app, and the task modules of the domain packages.
app.autodiscover_tasks()
app.autodiscover_tasks(
    ["connections.webhooks", "invoicing.sync", "invoicing.drafts", "invoicing.hours"]
)

# Workers and beat log through Django's LOGGING (JSON in production) instead of Celery's own
# set-up; every line a task logs carries its task id and name, and the id of the request that
# queued it.
signals.setup_logging.connect(app_logging.configure_from_settings, weak=False)
signals.before_task_publish.connect(app_logging.celery_before_task_publish, weak=False)
signals.task_prerun.connect(app_logging.celery_task_prerun, weak=False)
signals.task_postrun.connect(app_logging.celery_task_postrun, weak=False)
