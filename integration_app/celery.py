"""The Celery application: Redis broker, JSON only, one queue per kind of work.

Webhooks get their own queue so a long sync or invoice run never delays them.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from integration_app.startup import load_settings_or_exit

load_settings_or_exit()

app = Celery("integration_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("webhooks", "sync", "invoicing", "default")]
# `<app>.tasks` of every installed app, and the task modules of the domain packages.
app.autodiscover_tasks()
app.autodiscover_tasks(["connections.webhooks", "invoicing.sync", "invoicing.drafts"])
