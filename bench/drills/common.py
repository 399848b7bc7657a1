"""What every drill shares: its own world (database, Redis keys, sandbox, app processes, a connected
business), waiting for convergence, the invariants checked at the end and the result line.

A drill module ``bench/drills/<name>.py`` defines

    def drill(*, full: bool) -> DrillResult:      # the body; runs in a fresh Python process
        with World("<name>") as world:
            business = world.connect_business(clients=6, time_entries=200)
            world.start_worker("a")
            ...
            return world.result(passed=..., counts=..., ratios=...)

    def run(*, full: bool = False) -> DrillResult:
        return isolated(__name__, full=full)

``isolated`` runs ``drill`` in a child process (``python -m bench.drills._child``) so that each
drill sets Django up on its own database and environment, whether it is called by the runner
(``python -m bench.drills``) or from inside the test-suite (tests/bench/test_drills.py), whose own
Django points at pytest's database.

The sandbox, the app's settings for it, the connected business and the process helpers come from
bench/harness.py and tests/plugins/, so drills, benchmarks and tests set up the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Every queue the app uses (integration_app/celery.py); a drill's workers take all of them.
ALL_QUEUES = "webhooks,sync,invoicing,default"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
# Environment a drill's child process must not inherit from whoever started it (pytest's database,
# make test's Redis prefix): the drill sets its own.
INHERITED_APP_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_KEYPREFIX",
    "DJANGO_SETTINGS_MODULE",
    "APP_ENV",
)
SMALL_TIMEOUT = 900
# Set by tests/bench/test_drills.py: the drill runs inside `make test`, so it may shrink further
# than its small size (fewer rounds, shorter leases); it says so in its notes.
IN_TESTS_ENV = "DRILLS_IN_TESTS"
FULL_TIMEOUT = 3 * 3600


def in_tests() -> bool:
    """True when the drill runs inside the test-suite (``DRILLS_IN_TESTS=1``)."""
    return os.environ.get(IN_TESTS_ENV) == "1"


class DrillError(Exception):
    """The drill could not reach the state it waits for (a time-out, a process that died)."""


# -- the result ----------------------------------------------------------------------------------


@dataclass
class DrillResult:
    name: str
    passed: bool
    counts: dict[str, int | float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = " ".join(f"{key}={_figure(value)}" for key, value in self.counts.items())
        ratios = " ".join(f"{key}={value:.2f}" for key, value in self.ratios.items())
        parts = ["PASS" if self.passed else "FAIL", self.name, f"{self.seconds:.0f}s"]
        return "  ".join(part for part in (*parts, counts, ratios) if part)

    def print(self) -> None:
        """One line: PASS/FAIL, the drill, its duration, its counts and its ratios; then notes."""
        for note in self.notes:
            print(f"  {self.name}: {note}")
        print(self.line(), flush=True)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> DrillResult:
        return cls(**json.loads(text))


def _figure(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def isolated(module: str, *, full: bool = False, timeout: float | None = None) -> DrillResult:
    """Run ``module``'s ``drill(full=...)`` in a fresh Python process and return its result.

    The child's output goes to this process's stdout (progress lines as they happen). A child
    that dies without a result is a failed drill with the end of its output as the note.
    """
    name = module.rsplit(".", 1)[-1]
    timeout = timeout or (FULL_TIMEOUT if full else SMALL_TIMEOUT)
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_APP_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"drill-{name}-") as scratch:
        result_path = Path(scratch) / "result.json"
        command = [sys.executable, "-m", "bench.drills._child", module, str(result_path)]
        if full:
            command.append("--full")
        child = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Its own cleanup (processes, namespaces, the database) runs on SIGTERM.
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if result_path.exists():
            return DrillResult.from_json(result_path.read_text())
        return DrillResult(
            name=name,
            passed=False,
            seconds=time.monotonic() - started,
            notes=[f"the drill's process ended with status {child.returncode} and no result"],
        )


def child_main(module_name: str, result_path: str, full: bool) -> int:
    """The child side of ``isolated``: run the drill, write its result, whatever happens."""
    import importlib

    name = module_name.rsplit(".", 1)[-1]
    started = time.monotonic()

    def stop(signum, frame):  # unwind so every World cleans up
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        result = importlib.import_module(module_name).drill(full=full)
    except BaseException as error:  # a drill that crashed is a FAIL with its reason
        detail = traceback.format_exception(error)
        print("".join(detail[-12:]), file=sys.stderr, flush=True)
        result = DrillResult(
            name=name,
            passed=False,
            seconds=time.monotonic() - started,
            notes=[f"{type(error).__name__}: {error}"[:2000]],
        )
    Path(result_path).write_text(result.to_json())
    return 0 if result.passed else 1


# -- waiting -------------------------------------------------------------------------------------


def wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.25,
    message: str = "",
    alive: Iterable[AppProcess] = (),
) -> Any:
    """Poll ``condition`` until it returns something truthy; DrillError on time-out, or at once
    if one of ``alive`` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for process in alive:
            process.check_alive()
        if time.monotonic() >= deadline:
            raise DrillError(f"timed out after {timeout:.0f}s waiting for {message or condition}")
        time.sleep(interval)


def http_get_ok(url: str, timeout: float = 2.0) -> bool:
    import requests

    try:
        return requests.get(url, timeout=timeout).status_code < 500
    except requests.RequestException:
        return False


# -- app processes -------------------------------------------------------------------------------


class AppProcess:
    """One app process (gunicorn, a Celery worker, beat) in a session of its own, logging to a
    file; ``restart`` starts the same command again (after a kill), appending to the log.

    ``wrap`` prefixes the command (``ip netns exec <ns>`` for the several-hosts drill).
    """

    def __init__(
        self, name: str, command: list[str], *, env: dict[str, str], log_dir: Path, ready: str
    ):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.ready_marker = ready
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.starts += 1
        self._ready_from = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as log:
            log.write(f"\n--- start {self.starts} ---\n")
            log.flush()
            self._ready_from = log.tell()
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise DrillError(f"{self.name} exited early:\n{self.log()[-3000:]}")

    def is_ready(self) -> bool:
        with self.log_path.open(errors="replace") as log:
            log.seek(self._ready_from)
            return self.ready_marker in log.read()

    def wait_ready(self, timeout: float = 120) -> None:
        wait_for(self.is_ready, timeout=timeout, message=f"{self.name} to be ready", alive=[self])

    def kill(self) -> None:
        """SIGKILL the process and its children at once, as a crashed machine would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM its session, then SIGKILL if it has not ended within ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            self.process.wait()


class PrivateRedis:
    """A redis-server of the drill's own on a free port that keeps nothing on disk
    (``--save "" --appendonly no``), so ``restart_empty`` is a Redis that lost everything. Never
    the machine's Redis: other people's work lives there."""

    def __init__(self, log_dir: Path, host: str = "127.0.0.1"):
        from sandbox.process import free_port

        self.host = host
        self.port = free_port(host)
        self.url = f"redis://{host}:{self.port}/0"
        self.log_path = log_dir / "redis.log"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    shutil.which("redis-server") or "redis-server",
                    "--bind",
                    self.host,
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.answers, timeout=20, interval=0.05, message="the private Redis")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart_empty(self, down_seconds: float = 0.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()

    def keys(self) -> int:
        import redis

        return int(redis.Redis.from_url(self.url).dbsize())


# -- the world -----------------------------------------------------------------------------------


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


# -- invoice runs --------------------------------------------------------------------------------


def period_options(days: int = 400, **overrides: Any) -> dict[str, Any]:
    """Options of a run over the last ``days`` days (the seed's time is in the months before)."""
    today = date.today()
    return {
        "period": "custom",
        "start": (today - timedelta(days=days)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
        "grouping": "service",
        "unpriced": "leave_unbilled",
        **overrides,
    }


def start_invoice_run(business, *, client_ids: Iterable[int] = (), **options: Any):
    """Preview and create a run (as a person approving the preview at once); its drafts are
    enqueued for the workers."""
    from invoicing.drafts import invoice_run_start

    return invoice_run_start(
        business=business, raw_options=period_options(**options), client_ids=client_ids
    )


def runs_unfinished(run_ids: Iterable[int]) -> int:
    from invoicing.models import InvoiceRun

    return InvoiceRun.objects.filter(
        pk__in=list(run_ids), status=InvoiceRun.Status.CREATING
    ).count()


def drafts_by_state(business) -> Counter:
    from invoicing.models import DraftInvoice

    return Counter(DraftInvoice.objects.filter(business=business).values_list("state", flat=True))


def invoice_invariants(sandbox, business) -> dict[str, int]:
    """The exactly-once figures, from the app's rows and the sandbox's own state:

    - ``drafts``, ``drafts_done``, ``drafts_not_done`` (any other state);
    - ``duplicate_invoices``: live sandbox invoices beyond one per draft reference, plus live
      invoices that carry no draft's reference;
    - ``missing_invoices``: done drafts without a live invoice carrying their reference;
    - ``entries_billed_twice``: time entries on more than one live draft;
    - ``entries_not_marked``: entries of done drafts that FreshBooks does not show as billed.
    """
    from invoicing.models import DraftEntry, DraftInvoice

    drafts = list(DraftInvoice.objects.filter(business=business))
    references = {draft.reference for draft in drafts if draft.reference}
    live = [
        invoice
        for invoice in sandbox.control.invoices(business.account_id)
        if invoice.get("vis_state") == 0
    ]
    by_reference = Counter(invoice.get("po_number") or "" for invoice in live)
    duplicates = sum(count - 1 for ref, count in by_reference.items() if ref in references)
    strays = sum(count for ref, count in by_reference.items() if ref not in references)
    done = [draft for draft in drafts if draft.state == DraftInvoice.State.DONE]
    missing = sum(1 for draft in done if by_reference.get(draft.reference, 0) == 0)
    links = DraftEntry.objects.filter(draft__business=business, voided=False)
    entry_ids = Counter(links.values_list("time_entry_freshbooks_id", flat=True))
    billed_in_sandbox = {
        entry["id"]
        for entry in sandbox.control.time_entries(business.business_id)
        if entry.get("billed")
    }
    done_entries = set(
        links.filter(draft__state=DraftInvoice.State.DONE).values_list(
            "time_entry_freshbooks_id", flat=True
        )
    )
    return {
        "drafts": len(drafts),
        "drafts_done": len(done),
        "drafts_not_done": len(drafts) - len(done),
        "invoices": len(live),
        "duplicate_invoices": duplicates + strays,
        "missing_invoices": missing,
        "entries_billed": len(entry_ids),
        "entries_billed_twice": sum(1 for count in entry_ids.values() if count > 1),
        "entries_not_marked": len(done_entries - billed_in_sandbox),
    }


def exactly_once(figures: dict[str, int]) -> bool:
    """Every draft done, one invoice each, no entry on two drafts, every billed entry marked."""
    return (
        figures["drafts"] > 0
        and figures["drafts_not_done"] == 0
        and figures["duplicate_invoices"] == 0
        and figures["missing_invoices"] == 0
        and figures["entries_billed_twice"] == 0
        and figures["entries_not_marked"] == 0
    )


# -- the mirror ----------------------------------------------------------------------------------


def mirror_differences(sandbox, business, *, billed: bool = True) -> dict[str, int]:
    """Time entries where the mirror and the sandbox disagree: ``missing`` (live in the sandbox,
    absent or inactive in the mirror), ``extra`` (active in the mirror, gone from the sandbox) and
    ``stale`` (different duration, note or, with ``billed``, billed flag)."""
    from invoicing.models import TimeEntry

    remote = {
        entry["id"]: entry
        for entry in sandbox.control.time_entries(business.business_id)
        if entry.get("active", True)  # FreshBooks keeps deleted entries, inactive
    }
    local = {
        row.freshbooks_id: row for row in TimeEntry.objects.filter(business=business, active=True)
    }
    stale = 0
    for entry_id in remote.keys() & local.keys():
        entry, row = remote[entry_id], local[entry_id]
        if (
            int(entry.get("duration") or 0) != int(row.duration_seconds)
            or (billed and bool(entry.get("billed")) != row.billed)
            or (entry.get("note") or "") != (row.note or "")
        ):
            stale += 1
    return {
        "missing": len(remote.keys() - local.keys()),
        "extra": len(local.keys() - remote.keys()),
        "stale": stale,
    }


# -- the web, as a signed-in person ---------------------------------------------------------------


def signed_in_session(user):
    """A ``requests.Session`` carrying a session cookie of ``user`` (made in this process's
    database and cache, which the drill's web processes share)."""
    import requests
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


# -- webhooks ------------------------------------------------------------------------------------


class WebhookSender:
    """FreshBooks' side of webhooks for a drill: a verified ``time_entry`` subscription of the
    business, and signed deliveries POSTed to the app's endpoint at ``base_url``."""

    SIGNATURE_HEADER = "X-FreshBooks-Hmac-SHA256"

    def __init__(self, business, base_url: str, *, event: str = "time_entry"):
        import secrets

        from connections.models import WebhookSubscription

        self.business = business
        self.verifier = secrets.token_hex(16)
        self.url = f"{base_url}/webhooks/freshbooks/{business.webhook_token}/"
        WebhookSubscription.objects.create(
            business=business,
            event=event,
            uri=self.url,
            callback_id=abs(hash(self.verifier)) % 1_000_000 + 1,
            verified=True,
            verifier=self.verifier,
        )
        self.identity_id = str(business.connection.identity.identity_id)

    def send(self, name: str, object_id: int, *, timeout: float = 10) -> int:
        """POST one signed delivery (``time_entry.update``...); returns the status, or 0 when
        the app could not be reached."""
        from urllib.parse import urlencode

        import requests

        from connections.webhooks.signatures import signature_compute

        fields = {
            "name": name,
            "object_id": str(object_id),
            "account_id": self.business.account_id,
            "business_id": str(self.business.business_id),
            "identity_id": self.identity_id,
            "user_id": self.identity_id,
        }
        signature = signature_compute(verifier=self.verifier, fields=fields)
        try:
            response = requests.post(
                self.url,
                data=urlencode(list(fields.items())),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    self.SIGNATURE_HEADER: signature,
                },
                timeout=timeout,
            )
        except requests.RequestException:
            return 0
        return response.status_code


def deliveries_by_status(business) -> Counter:
    from connections.models import WebhookDelivery

    return Counter(
        WebhookDelivery.objects.filter(business=business).values_list("status", flat=True)
    )


UNSETTLED_DELIVERY_STATES = ("pending", "processing", "on_hold")


def deliveries_unsettled(business) -> int:
    counts = deliveries_by_status(business)
    return sum(counts.get(state, 0) for state in UNSETTLED_DELIVERY_STATES)
