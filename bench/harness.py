"""Shared set-up for benchmarks: a throwaway PostgreSQL database, the sandbox, a connected business.

The sandbox, the app's settings for it, the connected business and the worker processes come from
the test-suite's plugins (tests/plugins/), so benchmarks and tests set up the same way; only the
database is the benchmarks' own (tests get theirs from pytest-django).

Benchmarks print ratios against a baseline measured in the same run, never absolute limits.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.plugins.sandbox import SandboxServer, sandbox_running  # noqa: E402 - needs the path

# The app may call the sandbox as fast as it likes: benchmarks measure the app, not a rate budget.
BENCH_RATE = 10_000


def own_key_space(name: str) -> str:
    """Give this run its own Redis keys and broker queues (inherited by the processes it starts),
    so benchmarks never share locks or tasks with a test-suite or another run; the prefix."""
    prefix = f"bench-{name}-{uuid.uuid4().hex[:8]}:"
    os.environ["REDIS_KEY_PREFIX"] = prefix
    os.environ["CELERY_BROKER_KEYPREFIX"] = prefix
    return prefix


@contextmanager
def bench_database():
    """Create a fresh database, migrate it, drop it afterwards."""
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "APP_ENV": "test",
            "DATABASE_URL": f"{server}/{name}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
            "LOG_LEVEL": "warning",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_sandbox() -> Iterator[SandboxServer]:
    """The tests' sandbox (control mode, the test app registered), its state in a temporary
    directory."""
    with tempfile.TemporaryDirectory() as state_dir, sandbox_running(Path(state_dir)) as sandbox:
        yield sandbox


def point_app_at(sandbox: SandboxServer) -> None:
    """This process's settings point at the sandbox, with the benchmarks' rate budget."""
    from django.conf import settings

    from tests.plugins import freshbooks

    freshbooks.point_app_at(settings, sandbox, rate=BENCH_RATE)


def app_env(sandbox: SandboxServer, *, broker_key_prefix: str, **extra: str) -> dict[str, str]:
    """The environment of an app process (worker, gunicorn) on the bench database and sandbox."""
    from tests.plugins.freshbooks import sandbox_env
    from tests.plugins.processes import app_process_env

    return app_process_env(
        broker_key_prefix=broker_key_prefix,
        extra={**sandbox_env(sandbox, rate=BENCH_RATE), **extra},
    )


def connect_first_business(sandbox: SandboxServer, **seed_sizes):
    """Reset and seed the sandbox, and connect its first business to a new local user."""
    from tests.plugins.freshbooks import connect_sandbox_business

    sandbox.control.reset()
    return connect_sandbox_business(sandbox, **seed_sizes).business
