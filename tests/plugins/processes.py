"""Real processes for integration tests: a Celery worker on the real Redis broker.

The worker runs against the same test database as the test (pytest-django's ``test_*`` database),
so tests that use it must use ``transactional_db``: the worker only sees committed rows.

``ChildProcess``, ``WorkerProcess``, ``app_process_env`` and ``wait_until`` need no pytest
fixture; the benchmarks (bench/) start their workers and servers with them too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
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


def app_process_env(
    *, broker_key_prefix: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of an app process (a worker, a server): this process's database and
    environment, tasks under ``broker_key_prefix``, unbuffered logs, then ``extra``."""
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_KEYPREFIX": broker_key_prefix,
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


def wait_until(condition, *, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll ``condition`` until it returns something truthy; fail the test on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message or condition}")


class ChildProcess:
    """A process of ours in a session of its own, logging to a file, stopped by its id."""

    def __init__(self, command: list[str], *, name: str, log_path: Path, env: dict[str, str]):
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        """Fail (the test, or the script) with the end of the log if the process has exited."""
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited early:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the process and its children at once, as a crashed machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL to its whole session if it has not ended within ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


class WorkerProcess(ChildProcess):
    """A real ``celery worker`` of the app on ``queues``."""

    def __init__(
        self,
        *,
        queues: str,
        log_path: Path,
        env: dict[str, str],
        concurrency: int = 2,
        hostname: str = "test",
    ):
        super().__init__(
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
                str(concurrency),
                "--hostname",
                f"{hostname}-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            name=f"celery worker ({queues})",
            log_path=log_path,
            env=env,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready():
            self.check_alive()
            return " ready." in self.log()

        wait_until(ready, timeout=timeout, message=f"the {self.name} to be ready")


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
    worker = WorkerProcess(
        queues="default",
        log_path=tmp_path_factory.mktemp("celery") / "worker.log",
        env=app_process_env(broker_key_prefix=broker_key_prefix),
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
        worker = WorkerProcess(
            queues=queues,
            log_path=tmp_path / f"worker-{len(workers)}.log",
            env=app_process_env(broker_key_prefix=broker_key_prefix, extra=extra_env),
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        if worker.process.poll() is None:
            worker.stop()
