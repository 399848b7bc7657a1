"""A drill's world: its own database, Redis keys, sandbox and app processes, all removed on exit."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.drills._processes import AppProcess, DrillError, PrivateRedis, http_get_ok, wait_for
from bench.drills._results import DrillResult

# Every queue the app uses (integration_app/celery.py); a drill's workers take all of them.
ALL_QUEUES = "webhooks,sync,invoicing,default"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


class World:
    """One drill's world, all of it its own and all of it removed on exit:

    - a throwaway PostgreSQL database (bench.harness.bench_database), set up in this process;
    - a Redis key prefix (cache, locks, rate limits) and broker key prefix on ``redis_url``
      (``DRILL_REDIS_URL``, default database 14), its keys deleted at the end; or, with
      ``private_redis``, a redis-server of its own (``world.redis``, a ``PrivateRedis``);
    - the sandbox (control mode, state in a temporary directory), this process pointed at it;
    - app processes started with ``start_web``, ``start_worker``, ``start_beat``, each with its
      own free port where it has one, all stopped at the end;
    - ``env``: settings for this process and every app process (e.g. lease lengths).

    Logs go to a directory kept when the drill fails (its path is in the notes).
    """

    def __init__(
        self,
        name: str,
        *,
        redis_url: str | None = None,
        private_redis: bool = False,
        env: dict[str, str] | None = None,
        sandbox_rate: int = 10_000,
    ):
        self.name = name
        self.redis_url = redis_url or os.environ.get("DRILL_REDIS_URL", DEFAULT_REDIS_URL)
        self.prefix = f"drill-{name}-{uuid.uuid4().hex[:8]}:"
        self.settings_env = dict(env or {})
        self.sandbox_rate = sandbox_rate
        self.processes: list[AppProcess] = []
        self.notes: list[str] = []
        self.started = time.monotonic()
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"drill-{name}-"))
        self._stack = ExitStack()
        self.sandbox: Any = None
        self.database_name = ""
        self.database_server = ""
        self._failed = True
        self.private_redis = private_redis
        self.redis: PrivateRedis | None = None

    # set-up and tear-down

    def __enter__(self) -> World:
        if self.private_redis:
            self.redis = PrivateRedis(self.log_dir)
            self.redis_url = self.redis.url
        os.environ.update(
            {
                "BENCH_REDIS_URL": self.redis_url,
                "REDIS_KEY_PREFIX": self.prefix,
                "CELERY_BROKER_URL": self.redis_url,
                "CELERY_BROKER_KEYPREFIX": self.prefix,
                "DATABASE_CONN_MAX_AGE": "0",
                **self.settings_env,
            }
        )
        from bench.harness import bench_database, bench_sandbox, point_app_at

        stack = self._stack
        stack.callback(self._remove_logs)
        if self.redis is not None:
            stack.callback(self.redis.kill)
        stack.callback(self._delete_redis_keys)
        try:
            stack.enter_context(bench_database())
            from django.conf import settings

            database = settings.DATABASES["default"]
            self.database_name = database["NAME"]
            self.database_server = os.environ.get(
                "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"
            )
            self.sandbox = stack.enter_context(bench_sandbox())
            point_app_at(self.sandbox)
            from tests.plugins import freshbooks

            freshbooks.point_app_at(settings, self.sandbox, rate=self.sandbox_rate)
            stack.callback(self.stop_all)
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, kind, error, tb) -> None:
        self._failed = self._failed or kind is not None
        self._stack.close()

    def _remove_logs(self) -> None:
        if self._failed:
            print(f"  {self.name}: logs kept in {self.log_dir}", flush=True)
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def _delete_redis_keys(self) -> None:
        """Delete this drill's keys (only those under its prefix) if that Redis still answers."""
        import redis

        try:
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
            batch = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            for start in range(0, len(batch), 500):
                client.delete(*batch[start : start + 500])
        except redis.RedisError:
            pass

    # app processes

    def app_env(self, **extra: str) -> dict[str, str]:
        """The environment of an app process: the drill's database, sandbox, Redis and prefixes,
        the drill's settings, then ``extra``."""
        from bench.harness import app_env
        from tests.plugins.freshbooks import sandbox_env

        return app_env(
            self.sandbox,
            broker_key_prefix=self.prefix,
            **{
                **sandbox_env(self.sandbox, rate=self.sandbox_rate),
                "REDIS_URL": self.redis_url,
                "CELERY_BROKER_URL": self.redis_url,
                "REDIS_KEY_PREFIX": self.prefix,
                "LOG_LEVEL": "info",
                **self.settings_env,
                **extra,
            },
        )

    def _add(self, process: AppProcess) -> AppProcess:
        self.processes.append(process)
        return process

    def start_worker(
        self,
        name: str,
        *,
        queues: str = ALL_QUEUES,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
        wrap: list[str] | None = None,
    ) -> AppProcess:
        """A ``celery worker`` on ``queues`` (all by default); call ``wait_ready`` on it."""
        command = [
            *(wrap or []),
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
            f"{self.name}-{name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        return self._add(
            AppProcess(
                f"worker-{name}",
                command,
                env=env or self.app_env(),
                log_dir=self.log_dir,
                ready=" ready.",
            )
        )

    def start_beat(
        self, *, env: dict[str, str] | None = None, wrap: list[str] | None = None
    ) -> AppProcess:
        """``celery beat`` with the app's schedule (the sweepers every 15-120 s)."""
        command = [
            *(wrap or []),
            sys.executable,
            "-m",
            "celery",
            "-A",
            "integration_app",
            "beat",
            "--loglevel",
            "INFO",
            "--pidfile=",
        ]
        return self._add(
            AppProcess(
                "beat",
                command,
                env=env or self.app_env(),
                log_dir=self.log_dir,
                ready="beat: Starting",
            )
        )

    def start_web(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        workers: int = 2,
        threads: int = 4,
        env: dict[str, str] | None = None,
        wrap: list[str] | None = None,
    ) -> tuple[AppProcess, str]:
        """gunicorn with the app's config on a free port; returns it and its base URL (it is
        ready once ``wait_web`` returns)."""
        from sandbox.process import free_port

        port = port or free_port(host)
        command = [
            *(wrap or []),
            sys.executable,
            "-m",
            "gunicorn",
            "integration_app.wsgi",
            "--config",
            "integration_app/gunicorn.conf.py",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        web = self._add(
            AppProcess(
                "web",
                command,
                env=env or self.app_env(ALLOWED_HOSTS="*"),
                log_dir=self.log_dir,
                ready="Booting worker",
            )
        )
        return web, f"http://{host}:{port}"

    def wait_web(self, web: AppProcess, url: str, timeout: float = 60) -> None:
        wait_for(
            lambda: http_get_ok(f"{url}/healthz"),
            timeout=timeout,
            message=f"{web.name} to answer",
            alive=[web],
        )

    def stop_all(self) -> None:
        """SIGTERM every process at once, then wait for each (SIGKILL after 20 s)."""
        for process in self.processes:
            if process.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            process.stop()

    # data

    def connect_business(self, *, standard_rate: str = "95.00", sync: bool = True, **seed: Any):
        """Reset and seed the sandbox (``seed``: control.seed sizes), connect its first business
        to a new local user, mirror it with a full sync in this process and set a standard rate
        so every billable entry is priced."""
        from bench.harness import connect_first_business
        from invoicing.models import BillingPolicy, SyncRun
        from invoicing.sync.runs import sync_run_execute

        business = connect_first_business(self.sandbox, **seed)
        if sync:
            run = sync_run_execute(run_id=SyncRun.objects.create(business=business, kind="full").pk)
            if run.status != SyncRun.Status.SUCCEEDED:
                raise DrillError(f"the first full sync failed: {run.error}")
        BillingPolicy.objects.update_or_create(
            business=business, defaults={"standard_rate": Decimal(standard_rate)}
        )
        return business

    def client_ids_with_unbilled_time(self, business) -> list[int]:
        """The business's clients that have billable, unbilled time in the mirror."""
        from invoicing.models import TimeEntry

        return sorted(
            set(
                TimeEntry.objects.filter(
                    business=business, billable=True, billed=False, active=True
                )
                .exclude(client_freshbooks_id__isnull=True)
                .values_list("client_freshbooks_id", flat=True)
            )
        )

    # the end

    def result(
        self,
        *,
        passed: bool,
        counts: dict[str, int | float],
        ratios: dict[str, float] | None = None,
        notes: list[str] | None = None,
    ) -> DrillResult:
        self._failed = not passed
        return DrillResult(
            name=self.name,
            passed=passed,
            counts=counts,
            ratios=ratios or {},
            seconds=time.monotonic() - self.started,
            notes=[*self.notes, *(notes or [])],
        )
