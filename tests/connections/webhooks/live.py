"""A real webhook worker for the live tests: its own broker key prefix, the sandbox's settings and
the live server's public URL, so no other worker of the session takes (and mishandles) its tasks.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import current_app
from django.core.signals import request_finished
from django.db import connections

from connections.models import WebhookDelivery
from tests.plugins.freshbooks import sandbox_env
from tests.plugins.processes import WorkerProcess, app_process_env, wait_until

WEBHOOK_WORKER_PREFIX = f"test-webhooks-{uuid.uuid4().hex[:10]}:"
CLOSED_BROKER_URL = "redis://127.0.0.1:1/0"
UNSETTLED = [
    WebhookDelivery.Status.PENDING,
    WebhookDelivery.Status.PROCESSING,
    WebhookDelivery.Status.ON_HOLD,
]


def _close_request_thread_connections(**kwargs) -> None:
    """CONN_MAX_AGE for the live server's request threads: none.

    The sandbox posts deliveries over keep-alive connections, so a request thread lives on and,
    with a persistent database connection, would keep the test database from being dropped.
    """
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture(scope="session")
def webhook_worker(django_db_setup, live_server, sandbox_server, tmp_path_factory):
    env = app_process_env(
        broker_key_prefix=WEBHOOK_WORKER_PREFIX,
        extra={**sandbox_env(sandbox_server), "PUBLIC_BASE_URL": live_server.url},
    )
    worker = WorkerProcess(
        queues="webhooks",
        log_path=tmp_path_factory.mktemp("webhook-worker") / "worker.log",
        env=env,
    )
    request_finished.connect(_close_request_thread_connections)
    try:
        worker.wait_ready()
        yield worker
    finally:
        request_finished.disconnect(_close_request_thread_connections)
        worker.stop()


@contextmanager
def broker(*, url: str | None = None, prefix: str = WEBHOOK_WORKER_PREFIX) -> Iterator[None]:
    """Publish from this process to ``url`` (default: the configured broker) under ``prefix``."""
    conf = current_app.conf
    saved_url = conf.get("broker_write_url")
    saved_options = dict(conf.broker_transport_options or {})
    conf.broker_transport_options = {**saved_options, "global_keyprefix": prefix}
    if url is not None:
        # The write URL, because CELERY_BROKER_URL in the environment outranks conf.broker_url.
        conf.broker_write_url = url
    try:
        yield
    finally:
        conf.broker_write_url = saved_url
        conf.broker_transport_options = saved_options


@pytest.fixture
def live_webhooks(settings, use_sandbox, live_server, webhook_worker):
    """Deliveries reach the live server, and its tasks reach the webhook worker."""
    settings.PUBLIC_BASE_URL = live_server.url
    with broker():
        yield use_sandbox


def wait_until_settled(*, timeout: float = 120.0) -> None:
    wait_until(
        lambda: not WebhookDelivery.objects.filter(status__in=UNSETTLED).exists(),
        timeout=timeout,
        interval=0.2,
        message="every webhook delivery to be processed",
    )
