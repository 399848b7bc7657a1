"""Real processes for integration tests: a Celery worker on the real Redis broker.

The worker runs against the same test database as the test (pytest-django's ``test_*`` database),
so tests that use it must use ``transactional_db``: the worker only sees committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def database_url_for_subprocess() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


def wait_until(condition, *, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll ``condition`` until it returns something truthy; fail the test on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message or condition}")


class WorkerProcess:
    def __init__(self, *, queues: str, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "integration_app",
                "worker",
                "--loglevel",
                "INFO",
                "--queues",
                queues,
                "--concurrency",
                "2",
                "--hostname",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{self.log()[-4000:]}")
            return " ready." in self.log()

        wait_until(ready, timeout=timeout, message="the celery worker to be ready")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crashed machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


BROKER_KEY_PREFIX = f"test-{uuid.uuid4().hex[:10]}:"


def pytest_configure(config):
    """Give this test session a Redis key prefix of its own before any task is sent.

    Parallel sessions (a developer's and CI's, or xdist workers) then never take each other's tasks.
    """
    from integration_app.celery import app

    options = dict(app.conf.broker_transport_options or {})
    options["global_keyprefix"] = BROKER_KEY_PREFIX
    app.conf.broker_transport_options = options


@pytest.fixture(scope="session")
def broker_key_prefix() -> str:
    return BROKER_KEY_PREFIX


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, broker_key_prefix, tmp_path_factory):
    """A real ``celery worker`` on the real Redis for the whole session, on the ``default`` queue.

    Tests of sync, invoicing and webhooks start workers of their own (``celery_worker_factory``)
    with the sandbox's settings, so this one never takes their tasks.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_KEYPREFIX": broker_key_prefix,
        "PYTHONUNBUFFERED": "1",
    }
    worker = WorkerProcess(
        queues="default",
        log_path=tmp_path_factory.mktemp("celery") / "worker.log",
        env=env,
    )
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_worker_factory(django_db_setup, broker_key_prefix, tmp_path):
    """Start workers with extra environment (e.g. the sandbox's URL); all stopped afterwards."""
    workers: list[WorkerProcess] = []

    def start(
        extra_env: dict[str, str] | None = None, queues: str = "webhooks,sync,invoicing,default"
    ):
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_KEYPREFIX": broker_key_prefix,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        worker = WorkerProcess(
            queues=queues, log_path=tmp_path / f"worker-{len(workers)}.log", env=env
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        if worker.process.poll() is None:
            worker.stop()
