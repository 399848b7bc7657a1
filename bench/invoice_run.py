"""Draft creation at scale: API calls against the minimum, wall time against the latency floor.

    .venv/bin/python bench/invoice_run.py [--entries 5000] [--clients 50] [--latency-ms 50]
                                          [--workers 2] [--concurrency 8]

Seeds the sandbox with unbilled time over many clients, mirrors it, adds latency to every sandbox
call, then previews and creates the drafts with real Celery worker processes (one task per draft).
Prints:
- API writes made against the minimum: one POST per draft, one billed-marking PUT per entry, and
  no reconciliation lookup (nothing failed, so none is needed); the fresh-data reads the preview
  and the create each make before planning are listed by route;
- wall time against calls x latency / concurrency (the floor the added latency sets);
- wall time against a measured floor: the same billed-marking PUTs made right after the run by
  bare threads (no Celery, no database; the same concurrency), which is what the sandbox itself
  can answer on this machine (it writes through one SQLite connection behind one lock).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from harness import app_env, bench_database, bench_sandbox, connect_first_business, point_app_at

INVOICE_POST = "POST /accounting/account/{account_id}/invoices/invoices"
INVOICE_LIST = "GET /accounting/account/{account_id}/invoices/invoices"
ENTRY_PUT = "PUT /timetracking/business/{bid}/time_entries/{id}"


class Workers:
    """`count` real `celery worker` processes on the invoicing queue, with a private key prefix."""

    def __init__(self, sandbox, *, count: int, concurrency: int, log_dir: Path):
        from django.conf import settings

        from tests.plugins.processes import WorkerProcess

        self.prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        env = app_env(
            sandbox,
            broker_key_prefix=self.prefix,
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            # A worker says it is ready at INFO.
            LOG_LEVEL="info",
        )
        self.processes = [
            WorkerProcess(
                queues="invoicing",
                concurrency=concurrency,
                hostname=f"bench-{index}",
                log_path=log_dir / f"worker-{index}.log",
                env=env,
            )
            for index in range(count)
        ]

    def wait_ready(self, timeout: float = 90) -> None:
        for worker in self.processes:
            worker.wait_ready(timeout=timeout)

    def route_tasks_here(self) -> None:
        """Make this process send tasks under the workers' broker key prefix."""
        from integration_app.celery import app

        options = dict(app.conf.broker_transport_options or {})
        options["global_keyprefix"] = self.prefix
        app.conf.broker_transport_options = options

    def stop(self) -> None:
        for worker in self.processes:
            worker.stop(timeout=30)


def seed_and_mirror(sandbox, *, entries: int, clients: int):
    from invoicing.models import BillingPolicy, SyncRun
    from invoicing.sync.runs import sync_run_execute

    # Two businesses: one full business (all the time) and one client-only business.
    business = connect_first_business(
        sandbox,
        businesses=2,
        clients=clients,
        currencies=["USD"],
        time_entries=entries,
        months=1,
        billed_fraction=0,
    )
    run = sync_run_execute(run_id=SyncRun.objects.create(business=business, kind="full").pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    BillingPolicy.objects.update_or_create(
        business=business, defaults={"standard_rate": Decimal("95.00")}
    )
    return business


def wait_for(run, timeout: float):
    from invoicing.models import InvoiceRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Only what is waited on: the run's preview (megabytes at 5,000 entries) stays put.
        run.refresh_from_db(fields=["status", "drafts_done"])
        if run.status != InvoiceRun.Status.CREATING:
            return run
        time.sleep(0.05)  # a cheap read now (status only): the wall is not rounded up by much
    raise RuntimeError(f"run {run.pk} did not finish in {timeout}s ({run.drafts_done} done)")


def sandbox_write_rate(business, *, concurrency: int, sample: int) -> tuple[int, float]:
    """(calls, calls per second) of `sample` billed-marking PUTs (idempotent: the entries are
    billed already) made by `concurrency` bare threads, each with its own client of the app's."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from connections.services.freshbooks_api import api_client_for
    from invoicing.models import DraftEntry

    entry_ids = list(
        DraftEntry.objects.filter(draft__business=business)
        .order_by("pk")
        .values_list("time_entry_freshbooks_id", flat=True)[:sample]
    )
    identity = business.connection.identity
    local = threading.local()
    clients = []

    def put(entry_id: int) -> None:
        if not hasattr(local, "client"):
            local.client = api_client_for(identity)
            clients.append(local.client)
        local.client.update_time_entry(business.business_id, entry_id, {"billed": True})

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(put, entry_ids[:concurrency]))  # every thread's client and token
        started = time.perf_counter()
        list(pool.map(put, entry_ids))
        elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return len(entry_ids), len(entry_ids) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="processes per worker")
    parser.add_argument(
        "--floor-sample", type=int, default=800, help="bare PUTs timed for the measured floor"
    )
    arguments = parser.parse_args()

    with (
        bench_database(),
        bench_sandbox() as sandbox,
        tempfile.TemporaryDirectory() as logs,
    ):
        point_app_at(sandbox)
        from django.db.models import Count, Max, Min

        from invoicing.drafts import invoice_run_create, invoice_run_preview
        from invoicing.models import DraftEntry, DraftInvoice

        business = seed_and_mirror(sandbox, entries=arguments.entries, clients=arguments.clients)
        workers = Workers(
            sandbox,
            count=arguments.workers,
            concurrency=arguments.concurrency,
            log_dir=Path(logs),
        )
        try:
            workers.wait_ready()
            workers.route_tasks_here()
            control = sandbox.control
            control.add_fault(
                method="*", path=None, kind="latency", latency_ms=arguments.latency_ms
            )
            control.reset_calls()
            options = {
                "period": "custom",
                "start": (date.today() - timedelta(days=60)).isoformat(),
                "end": (date.today() + timedelta(days=1)).isoformat(),
                "grouping": "service",
                "unpriced": "leave_unbilled",
            }

            started = time.perf_counter()
            preview = invoice_run_preview(business=business, raw_options=options)
            planned_at = time.perf_counter()
            create_began = time.time()
            run = invoice_run_create(run_id=preview.pk)
            created_at = time.perf_counter()
            run = wait_for(run, timeout=600)
            finished = time.perf_counter()
            first_submit = DraftInvoice.objects.filter(run=run).aggregate(Min("created_at"))[
                "created_at__min"
            ]
        finally:
            workers.stop()
        concurrency = arguments.workers * arguments.concurrency
        calls = control.calls()
        sampled, write_rate = sandbox_write_rate(
            business, concurrency=concurrency, sample=arguments.floor_sample
        )

        drafts = DraftInvoice.objects.filter(run=run)
        entries = DraftEntry.objects.filter(draft__run=run).count()
        states = sorted(set(drafts.values_list("state", flat=True)))
        assert states == ["done"], states
        minimum = run.drafts_total + entries
        largest_draft = drafts.annotate(size=Count("entries")).aggregate(Max("size"))["size__max"]
        floor = calls["total"] * arguments.latency_ms / 1000 / concurrency
        wall = finished - planned_at
        print(f"entries mirrored: {len(control.time_entries(business.business_id))}")
        print(f"drafts: {run.drafts_total} over {entries} billed entries ({states})")
        print(
            f"preview: {planned_at - started:.2f}s, plan + reserve: {created_at - planned_at:.2f}s"
        )
        writes = calls.get(INVOICE_POST, 0) + calls.get(ENTRY_PUT, 0)
        reads = calls["total"] - writes
        print(
            f"API calls: {calls['total']} (POST invoices {calls.get(INVOICE_POST, 0)}, "
            f"PUT time entries {calls.get(ENTRY_PUT, 0)}, "
            f"invoice lookups {calls.get(INVOICE_LIST, 0)}, fresh-data reads {reads}); "
            f"writes {writes} vs minimum {minimum}; ratio {writes / minimum:.2f}"
        )
        print(
            "  fresh-data reads: the preview and the create each re-read the business's time and "
            "rates before planning (so a preview never goes stale); by route: "
            + ", ".join(
                f"{route} {count}"
                for route, count in sorted(calls.items())
                if route not in (INVOICE_POST, ENTRY_PUT, "total")
            )
        )
        print(
            f"wall time (create to done): {wall:.1f}s; floor calls x {arguments.latency_ms} ms / "
            f"{concurrency} = {floor:.1f}s; ratio {wall / floor:.2f}"
        )
        processing = finished - created_at
        print(
            f"  of which after planning: {processing:.1f}s; ratio {processing / floor:.2f}; "
            f"largest draft {largest_draft} entries"
        )
        measured_floor = reads * arguments.latency_ms / 1000 / concurrency + writes / write_rate
        print(
            f"measured floor: {sampled} bare PUTs by {concurrency} threads ran at "
            f"{write_rate:.0f} calls/s (latency alone allows "
            f"{concurrency * 1000 / arguments.latency_ms:.0f}/s); reads x latency / concurrency + "
            f"writes at that rate = {measured_floor:.1f}s; wall / measured floor "
            f"{wall / measured_floor:.2f}"
        )
        print(
            f"  drafts reserved {first_submit.timestamp() - create_began:.1f}s after create began"
        )


if __name__ == "__main__":
    main()
