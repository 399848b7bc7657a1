"""Webhook ingest under gunicorn against a bare Django view, then processing of every delivery.

    .venv/bin/python bench/webhooks.py [--requests 2000] [--concurrency 16] [--workers 2]
                                       [--threads 4] [--rounds 2] [--warmup 100] [--objects 500]
                                       [--worker-concurrency 2] [--process-during-load]

Two gunicorns with the same ``--workers`` and ``--threads`` serve the same WSGI module, settings and
middleware: one the app (``POST /webhooks/freshbooks/<token>/``), the other a bench-only URLconf
whose view returns 200 (``bench/webhook_bare_settings.py``, ``bench/webhook_bare_urls.py``), and
the physical floor on that second server: a view that does one durable INSERT of the body. One
load generator in this process (a pool of ``--concurrency`` threads with keep-alive
``http.client`` connections, to 127.0.0.1 only) sends both the same validly signed ``time_entry``
deliveries, after a warm-up, in rounds that alternate which target goes first. Prints requests
per second and p50 / p99 latency of each, and the ingest / bare and ingest / floor ratios. Both
servers keep database connections across requests, as in production.

A real Celery worker (queue ``webhooks``) then processes what the endpoint accepted (with
``--process-during-load`` it runs during the load instead; its listener enqueues the deliveries
stored before it started, then hears each new one's ``NOTIFY``): each delivery names a time entry
created in the sandbox, which the handler re-fetches and mirrors. Prints the deliveries by status
and fails unless every accepted delivery ended done, or coalesced into one that did, and every
time entry reached the mirror. No wall-clock limit is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from harness import (
    app_env,
    bench_database,
    bench_sandbox,
    connect_first_business,
    own_key_space,
    point_app_at,
)

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
FORM = "application/x-www-form-urlencoded"
SIGNATURE_HEADER = "X-FreshBooks-Hmac-SHA256"
SMALL_SEED = {
    "users": 1,
    "businesses": 1,
    "clients": 3,
    "projects_per_client": 1,
    "services": 2,
    "time_entries": 0,
}
UNSETTLED = ("pending", "processing", "on_hold")


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)

    def add(self, other: Measured) -> None:
        self.latencies.extend(other.latencies)
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        self.statuses.update(other.statuses)
        self.answers.update(other.answers)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


# -- processes (the test-suite's ChildProcess and WorkerProcess, tests/plugins/processes.py) -------


def start_gunicorn(name: str, *, port: int, args, env: dict[str, str], log_dir: Path):
    from tests.plugins.processes import ChildProcess

    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "integration_app.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "--pythonpath",
        str(BENCH_DIR),
    ]
    return ChildProcess(command, name=name, log_path=log_dir / f"{name}.log", env=env)


def wait_answering(child, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child.check_alive()
        try:
            requests.get(url, timeout=2)
        except requests.RequestException:
            time.sleep(0.1)
            continue
        return
    raise RuntimeError(f"{child.name} did not answer within {timeout}s:\n{child.log()[-3000:]}")


def start_worker(env: dict[str, str], *, concurrency: int, log_dir: Path):
    from tests.plugins.processes import WorkerProcess

    worker = WorkerProcess(
        queues="webhooks",
        concurrency=concurrency,
        hostname="bench-webhooks",
        log_path=log_dir / "celery-worker.log",
        # The worker says it is ready at INFO; the servers keep the quieter level.
        env={**env, "LOG_LEVEL": "info"},
    )
    try:
        worker.wait_ready(timeout=90)
    except BaseException:
        print(f"--- {worker.name} log ---\n{worker.log()[-3000:]}", file=sys.stderr)
        worker.stop()
        raise
    return worker


# -- the world the deliveries talk about ---------------------------------------------------------


def prepare_business(sandbox, *, objects: int):
    """A connected, mirrored business, ``objects`` new sandbox time entries, a verifier."""
    from connections.models import WebhookSubscription
    from invoicing.models import SyncRun
    from invoicing.sync.runs import sync_run_execute

    business = connect_first_business(sandbox, **SMALL_SEED)
    run = sync_run_execute(run_id=SyncRun.objects.create(business=business, kind="full").pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    control = sandbox.control
    client_ids = [client["id"] for client in control.state(business.account_id, "clients")]
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    entry_ids = [
        control.create_time_entry(
            business.business_id,
            started_at=(start + timedelta(minutes=30 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            duration=900 + index % 7 * 300,
            client_id=client_ids[index % len(client_ids)],
            billable=True,
            note=f"bench entry {index}",
        )["id"]
        for index in range(objects)
    ]
    verifier = secrets.token_hex(16)
    WebhookSubscription.objects.create(
        business=business,
        event="time_entry",
        uri=f"http://{HOST}/webhooks/freshbooks/{business.webhook_token}/",
        callback_id=1,
        verified=True,
        verifier=verifier,
    )
    return business, entry_ids, verifier


@contextmanager
def in_process_world(name: str, *, objects: int):
    """The one-process tools' world (``profile_webhook``, ``ingest_cpu``): the run's own key space,
    a throwaway database and the sandbox, the connection kept across deliveries as gunicorn keeps
    it, and ``prepare_business``'s business, entries and verifier."""
    own_key_space(name)
    os.environ["DATABASE_CONN_MAX_AGE"] = "60"
    with bench_database(), bench_sandbox() as sandbox:
        point_app_at(sandbox)
        yield prepare_business(sandbox, objects=objects)


def signed_deliveries(business, entry_ids: list[int], verifier: str, count: int) -> list[Delivery]:
    """``count`` deliveries cycling over the entries: a create first, then updates."""
    from connections.webhooks.signatures import signature_compute

    identity_id = str(business.connection.identity.identity_id)
    deliveries = []
    for index in range(count):
        fields = {
            "name": "time_entry.create" if index < len(entry_ids) else "time_entry.update",
            "object_id": str(entry_ids[index % len(entry_ids)]),
            "account_id": business.account_id,
            "business_id": str(business.business_id),
            "identity_id": identity_id,
            "user_id": identity_id,
        }
        signature = signature_compute(verifier=verifier, fields=fields)
        deliveries.append(
            Delivery(
                body=urlencode(list(fields.items())).encode(),
                headers={"Content-Type": FORM, SIGNATURE_HEADER: signature},
            )
        )
    return deliveries


# -- the load generator --------------------------------------------------------------------------


def drive(url: str, deliveries: list[Delivery], concurrency: int) -> Measured:
    """POST every delivery to ``url`` from ``concurrency`` threads, each on a keep-alive connection.

    ``http.client`` rather than ``requests``: the generator shares the machine's CPUs with the
    servers, and a lighter client leaves more of them to what is measured.
    """
    target = urlsplit(url)
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def post(delivery: Delivery) -> tuple[float, int | str, str]:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(
                target.hostname, target.port, timeout=60
            )
            opened.append(connection)
        started = time.perf_counter()
        try:
            connection.request("POST", target.path, body=delivery.body, headers=delivery.headers)
            response = connection.getresponse()
            answer = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            local.connection = None
            return time.perf_counter() - started, type(error).__name__, ""
        if response.will_close:
            connection.close()
            local.connection = None
        return time.perf_counter() - started, response.status, answer

    measured = Measured()
    cpu_started = time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(post, deliveries))
    measured.seconds = time.perf_counter() - started
    measured.cpu_seconds = time.process_time() - cpu_started
    for connection in opened:
        connection.close()
    for latency, status, answer in results:
        measured.latencies.append(latency)
        measured.statuses[status] += 1
        measured.answers[answer] += 1
    return measured


def chunks(items: list, parts: int) -> list[list]:
    size, extra = divmod(len(items), parts)
    bounds = [index * size + min(index, extra) for index in range(parts + 1)]
    return [items[bounds[index] : bounds[index + 1]] for index in range(parts)]


# -- processing ----------------------------------------------------------------------------------


def by_status(business) -> Counter:
    from django.db.models import Count

    from connections.models import WebhookDelivery

    rows = (
        WebhookDelivery.objects.filter(business=business)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    return Counter(dict(rows))


def wait_settled(business, timeout: float) -> Counter:
    deadline = time.monotonic() + timeout
    while True:
        counts = by_status(business)
        if not any(counts[status] for status in UNSETTLED):
            return counts
        if time.monotonic() > deadline:
            raise SystemExit(f"deliveries still unsettled after {timeout:.0f}s: {dict(counts)}")
        time.sleep(0.25)


def commits_of(business) -> tuple[int, int]:
    """The business's delivery rows and the transactions that stored them (rows written by one
    statement share its ``xmin``): before any worker touched them, the group commit's batching."""
    from django.db import connection

    from connections.models import WebhookDelivery

    table = connection.ops.quote_name(WebhookDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT xmin::text) FROM {table} "  # noqa: S608
            "WHERE business_id = %s",
            [business.pk],
        )
        rows, commits = cursor.fetchone()
    return rows, commits


def create_floor_table() -> None:
    from django.db import connection
    from webhook_bare_urls import FLOOR_TABLE_SQL

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)


def report_line(label: str, measured: Measured) -> str:
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(measured.statuses.items()))
    return (
        f"{label:9} {len(measured.latencies):>6} requests in {measured.seconds:6.2f}s "
        f"= {measured.per_second:7.0f} req/s; p50 {measured.percentile(0.50) * 1000:6.1f} ms; "
        f"p99 {measured.percentile(0.99) * 1000:6.1f} ms; HTTP {statuses}; "
        f"load generator CPU {measured.cpu_seconds / measured.seconds:.0%} of one core"
    )


def ratio_line(label: str, measured: Measured, baseline: Measured) -> str:
    return (
        f"{label}: throughput {measured.per_second / baseline.per_second:.2f}x; "
        f"p50 latency {measured.percentile(0.5) / baseline.percentile(0.5):.2f}x; "
        f"p99 latency {measured.percentile(0.99) / baseline.percentile(0.99):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured, per target")
    parser.add_argument("--concurrency", type=int, default=16, help="load generator threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both servers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads, both servers")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per target")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per target")
    parser.add_argument("--objects", type=int, default=500, help="time entries the events name")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument(
        "--process-during-load",
        action="store_true",
        help="run the Celery worker during the load (it competes for the CPUs) instead of after",
    )
    args = parser.parse_args()

    # This run's own Redis keys and broker queues, inherited by gunicorn and the worker.
    prefix = own_key_space("webhooks")

    load_before = os.getloadavg()[0]
    with (
        bench_database(),
        bench_sandbox() as sandbox,
        tempfile.TemporaryDirectory() as logs,
    ):
        point_app_at(sandbox)
        from invoicing.models import TimeEntry
        from sandbox.process import free_port

        log_dir = Path(logs)
        business, entry_ids, verifier = prepare_business(sandbox, objects=args.objects)
        total = args.warmup + args.requests
        deliveries = signed_deliveries(business, entry_ids, verifier, total)
        warmup, measured_deliveries = deliveries[: args.warmup], deliveries[args.warmup :]

        # Servers keep their database connections as in production (tests' settings close them
        # after every request, which would measure connection set-up instead).
        env = app_env(sandbox, broker_key_prefix=prefix, DATABASE_CONN_MAX_AGE="60")
        ingest_port, bare_port = free_port(HOST), free_port(HOST)
        token = business.webhook_token
        urls = {
            "bare view": f"http://{HOST}:{bare_port}/bare/{token}/",
            "floor": f"http://{HOST}:{bare_port}/floor/{token}/",
            "ingest": f"http://{HOST}:{ingest_port}/webhooks/freshbooks/{token}/",
        }
        create_floor_table()
        children: list = []
        worker = None
        try:
            ingest = start_gunicorn(
                "gunicorn-ingest", port=ingest_port, args=args, env=env, log_dir=log_dir
            )
            children.append(ingest)
            bare = start_gunicorn(
                "gunicorn-bare",
                port=bare_port,
                args=args,
                env={**env, "DJANGO_SETTINGS_MODULE": "webhook_bare_settings"},
                log_dir=log_dir,
            )
            children.append(bare)
            wait_answering(ingest, f"http://{HOST}:{ingest_port}/healthz")
            wait_answering(bare, f"http://{HOST}:{bare_port}/healthz")
            if args.process_during_load:
                worker = start_worker(env, concurrency=args.worker_concurrency, log_dir=log_dir)
                children.append(worker)
                worker_ready = time.perf_counter()

            accepted = 0
            for label in urls:
                warm = drive(urls[label], warmup, args.concurrency)
                if label == "ingest":
                    accepted += warm.answers["ok"]
            results = {label: Measured() for label in urls}
            for index, part in enumerate(chunks(measured_deliveries, args.rounds)):
                order = list(urls) if index % 2 == 0 else list(reversed(urls))
                for label in order:
                    results[label].add(drive(urls[label], part, args.concurrency))
            load_ended = time.perf_counter()
            load_after = os.getloadavg()[0]
            accepted += results["ingest"].answers["ok"]

            stored_in = commits_of(business) if worker is None else None
            if worker is None:
                worker = start_worker(env, concurrency=args.worker_concurrency, log_dir=log_dir)
                children.append(worker)
                worker_ready = time.perf_counter()
            counts = wait_settled(business, args.drain_timeout)
            settled_at = time.perf_counter()
        except BaseException:
            for child in children:
                print(f"--- {child.name} log ---\n{child.log()[-3000:]}", file=sys.stderr)
            raise
        finally:
            for child in reversed(children):
                child.stop()

        mirrored = TimeEntry.objects.filter(
            business=business, freshbooks_id__in=entry_ids, active=True
        ).count()

    bare_result, floor_result = results["bare view"], results["floor"]
    ingest_result = results["ingest"]
    worker_when = "during" if args.process_during_load else "after"
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads each; load: {args.requests} "
        f"requests per target (+{args.warmup} warm-up) from {args.concurrency} threads in "
        f"{args.rounds} alternating rounds; worker {worker_when} "
        f"the load; {os.cpu_count()} CPUs, load average {load_before:.1f} before the run and "
        f"{load_after:.1f} after the load (other processes skew both targets)"
    )
    for label, result in results.items():
        print(report_line(label, result))
    for label, baseline in (("bare", bare_result), ("floor", floor_result)):
        print(ratio_line(f"ingest / {label}", ingest_result, baseline))
    print(ratio_line("floor / bare", floor_result, bare_result))
    if stored_in is not None:
        rows, commits = stored_in
        print(
            f"ingest stored {rows} deliveries in {commits} commits ({rows / commits:.2f} a commit: "
            "the web processes' group commit)"
        )
    settled = counts["done"] + counts["coalesced"]
    drained = settled_at - worker_ready
    print(
        f"processing: {args.worker_concurrency} worker processes settled {sum(counts.values())} "
        f"deliveries {drained:.1f}s after the worker was ready "
        f"({sum(counts.values()) / drained:.0f}/s), {settled_at - load_ended:.1f}s after the load "
        "ended"
    )
    print("deliveries by status: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    problems = []
    if settled != accepted or sum(counts.values()) != accepted:
        problems.append(f"{accepted} accepted but {settled} done or coalesced of {dict(counts)}")
    if mirrored != len(entry_ids):
        problems.append(f"{mirrored} of {len(entry_ids)} time entries reached the mirror")
    if problems:
        raise SystemExit("NOT every accepted delivery was processed: " + "; ".join(problems))
    print(
        f"every accepted delivery was processed: {accepted} answered 200 ok = {counts['done']} "
        f"done + {counts['coalesced']} coalesced; {mirrored}/{len(entry_ids)} time entries "
        "mirrored"
    )


if __name__ == "__main__":
    main()
