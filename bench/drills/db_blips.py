"""Database blips: every app connection to PostgreSQL terminated, several times, during a sync and
an invoice run.

The drill's app (gunicorn, two workers, beat) keeps persistent connections as in production
(``DATABASE_CONN_MAX_AGE=60``, health checks on). The sandbox changes (notes edited, entries added
and deleted), a full sync is queued and invoice runs create drafts, while a signed-in person keeps
reading the business page, the runs page, each run's page and its progress JSON (what the run page
polls). Meanwhile ``pg_terminate_backend`` ends every backend of the drill's database but the
drill's own, several times. Checks: the sync succeeds and the mirror equals the sandbox, every
draft is done exactly once, and no page answered 500 (every request here is a GET, which a person
or a browser can retry).

Small: 3 blips, 600 entries, 4 runs. Full: 8 blips, 3,000 entries, 12 runs.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from bench.drills.common import (
    DrillResult,
    World,
    exactly_once,
    in_tests,
    invoice_invariants,
    isolated,
    mirror_differences,
    runs_unfinished,
    signed_in_session,
    start_invoice_run,
    wait_for,
)


def sizes(full: bool) -> dict[str, int]:
    if in_tests():
        return {"blips": 2, "entries": 200, "runs": 2, "changes": 20, "latency_ms": 40}
    if full:
        return {"blips": 8, "entries": 3000, "runs": 12, "changes": 300, "latency_ms": 60}
    return {"blips": 3, "entries": 600, "runs": 4, "changes": 60, "latency_ms": 60}


def terminate_app_connections(world: World) -> int:
    """End every backend of the drill's database but this process's own; how many."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    with psycopg.connect(f"{world.database_server}/postgres", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s AND pid <> pg_backend_pid()",
            (world.database_name, own),
        ).fetchall()
    return sum(1 for (terminated,) in rows if terminated)


class Reader(threading.Thread):
    """A signed-in person reading pages in a loop; counts the statuses."""

    def __init__(self, session, urls):
        super().__init__(daemon=True)
        self.session, self.urls = session, urls
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import requests

        while not self.stop.is_set():
            for url in self.urls():
                try:
                    response = self.session.get(url, timeout=30, allow_redirects=False)
                    status = str(response.status_code)
                except requests.RequestException as error:
                    status = "unreachable"
                    self.failures.append(f"{url}: {error}")
                self.statuses[status] += 1
                if status.startswith("5"):
                    self.failures.append(f"{url}: {status}")


def change_the_sandbox(world: World, business, count: int, rng: random.Random) -> None:
    """Edit ``count`` notes, add ``count // 2`` entries and delete ``count // 4`` unbilled ones
    of clients nobody bills in this drill, so the full sync has work to do."""
    control = world.sandbox.control
    entries = control.time_entries(business.business_id)
    for entry in rng.sample(entries, count):
        control.update_time_entry(
            business.business_id, entry["id"], note=f"blip edit {entry['id']}"
        )
    client_ids = [client["id"] for client in control.state(business.account_id, "clients")]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    for index in range(count // 2):
        control.create_time_entry(
            business.business_id,
            started_at=(start + timedelta(minutes=20 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            duration=600 + 60 * (index % 9),
            client_id=client_ids[-1],
            billable=False,
            note=f"blip added {index}",
        )
    unbilled = [entry for entry in entries if not entry.get("billed") and not entry.get("billable")]
    for entry in rng.sample(unbilled, min(len(unbilled), count // 4)):
        control.delete_time_entry(business.business_id, entry["id"])


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    rng = random.Random(7)
    env = {"DATABASE_CONN_MAX_AGE": "60"}
    if in_tests():
        env.update(INVOICE_DRAFT_SWEEP_SECONDS="5")
    with World("db_blips", env=env) as world:
        business = world.connect_business(
            businesses=1,
            clients=size["runs"] + 3,
            currencies=["USD"],
            time_entries=size["entries"],
            months=2,
            billed_fraction=0,
        )
        client_ids = world.client_ids_with_unbilled_time(business)[: size["runs"]]
        web, url = world.start_web()
        workers = [world.start_worker(name, concurrency=2) for name in ("a", "b")]
        beat = world.start_beat()
        world.wait_web(web, url)
        for process in (*workers, beat):
            process.wait_ready()

        from django.urls import reverse

        from invoicing.models import InvoiceRun, SyncRun
        from invoicing.sync.runs import sync_run_request

        run_ids: list[int] = []

        def urls() -> list[str]:
            pages = [
                reverse("invoicing:business", kwargs={"business_pk": business.pk}),
                reverse("invoices:runs", kwargs={"business_pk": business.pk}),
            ]
            for run_id in run_ids:
                kwargs = {"business_pk": business.pk, "run_pk": run_id}
                pages.append(reverse("invoices:run", kwargs=kwargs))
                pages.append(reverse("invoices:run_progress", kwargs=kwargs))
            return [f"{url}{page}" for page in pages]

        reader = Reader(signed_in_session(business.connection.user), urls)
        reader.start()

        change_the_sandbox(world, business, size["changes"], rng)
        world.sandbox.control.add_fault(
            method="*", path=None, kind="latency", latency_ms=size["latency_ms"]
        )
        sync = sync_run_request(business=business, trigger="user", full=True)
        run_ids.extend(start_invoice_run(business, client_ids=[client]).pk for client in client_ids)
        started = time.monotonic()
        terminated = []
        for _blip in range(size["blips"]):
            time.sleep(rng.uniform(1, 2) if in_tests() else rng.uniform(1.5, 4))
            terminated.append(terminate_app_connections(world))
            print(f"  db_blips: terminated {terminated[-1]} connections", flush=True)

        def settled() -> bool:
            sync.refresh_from_db()
            return sync.status not in ("queued", "running") and runs_unfinished(run_ids) == 0

        wait_for(
            settled,
            timeout=900,
            interval=0.5,
            message="the sync and the runs to finish",
            alive=[web, *workers, beat],
        )
        converged = time.monotonic() - started
        time.sleep(1)  # the reader's last round, after the end
        reader.stop.set()
        reader.join()
        world.sandbox.control.clear_faults()

        sync.refresh_from_db()
        figures = invoice_invariants(world.sandbox, business)
        # Billed flags move while the sync runs (the runs mark time billed); those are checked by
        # `entries_not_marked`.
        mirror = mirror_differences(world.sandbox, business, billed=False)
        run_statuses = set(
            InvoiceRun.objects.filter(pk__in=run_ids).values_list("status", flat=True)
        )
        errors_5xx = sum(count for status, count in reader.statuses.items() if status[0] == "5")
        passed = (
            sync.status == SyncRun.Status.SUCCEEDED
            and not any(mirror.values())
            and exactly_once(figures)
            and run_statuses == {"completed"}
            and errors_5xx == 0
            and reader.statuses.get("unreachable", 0) == 0
            and sum(terminated) > 0
        )
        notes = [f"page statuses: {dict(reader.statuses)}", f"sync: {sync.status} {sync.error}"]
        notes.extend(reader.failures[:5])
        return world.result(
            passed=passed,
            counts={
                "blips": len(terminated),
                "connections_terminated": sum(terminated),
                "sync_attempts": sync.attempts,
                "mirror_missing": mirror["missing"],
                "mirror_extra": mirror["extra"],
                "mirror_stale": mirror["stale"],
                "runs": len(run_ids),
                **figures,
                "page_views": sum(reader.statuses.values()),
                "pages_5xx": errors_5xx,
                "pages_run_again": web.log().count("running it again"),
                "settled_s": round(converged, 1),
            },
            notes=notes,
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
