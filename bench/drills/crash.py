"""Crash: invoice runs while Celery workers are SIGKILLed at random moments and restarted.

Two worker processes (all queues) and beat (the drafts sweeper every 15 s) create the drafts of
one run per client, started one after another while a killer SIGKILLs a random worker, with its
children, at random moments and starts it again. Every sandbox call is slowed a little, so kills
land in the middle of FreshBooks calls. Checks: every run done, every draft done, one live
invoice per draft, no entry on two drafts, every billed entry marked billed in FreshBooks.

Recovery time after a kill: from the kill until every draft that was being worked on (leased) at
that moment is done; the target is 60 s (a 30 s lease renewed by a heartbeat, then the sweeper).

Small: 6 runs, 3 kills. Full: 50 runs, 10 kills.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.drills.common import (
    DrillResult,
    World,
    drafts_by_state,
    exactly_once,
    in_tests,
    invoice_invariants,
    isolated,
    runs_unfinished,
    start_invoice_run,
    wait_for,
)

RECOVERY_TARGET = 60.0
CONCURRENCY = 2  # per worker process
WORKING_STATES = ("submitting", "created", "marking_billed")


def sizes(full: bool) -> dict[str, int]:
    if in_tests():
        return {"runs": 4, "kills": 1, "entries": 300, "latency_ms": 200}
    if full:
        return {"runs": 50, "kills": 10, "entries": 4000, "latency_ms": 200}
    return {"runs": 8, "kills": 2, "entries": 700, "latency_ms": 200}


def in_flight(business) -> set[int]:
    """Drafts someone holds a live lease on, in a working state."""
    from django.utils import timezone

    from invoicing.models import DraftInvoice

    return set(
        DraftInvoice.objects.filter(
            business=business, state__in=WORKING_STATES, lease_expires_at__gt=timezone.now()
        ).values_list("pk", flat=True)
    )


def not_done(draft_ids: set[int]) -> int:
    from invoicing.models import DraftInvoice

    return (
        DraftInvoice.objects.filter(pk__in=draft_ids)
        .exclude(state__in=("done", "failed", "needs_attention", "voided"))
        .count()
    )


class Killer(threading.Thread):
    """SIGKILLs a random worker (with its children) at random moments while drafts are in
    flight and starts it again at once; a watcher per kill measures how long the drafts in flight
    at that moment took to be done."""

    def __init__(self, workers, business, *, kills: int, rng: random.Random):
        super().__init__(daemon=True)
        self.workers, self.business = workers, business
        self.kills, self.rng = kills, rng
        self.recoveries: dict[int, float] = {}
        self.watchers: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def run(self) -> None:
        from django.db import connection

        try:
            for number in range(1, self.kills + 1):
                time.sleep(self.rng.uniform(0.5, 2) if in_tests() else self.rng.uniform(1, 5))
                # Each worker runs at most CONCURRENCY drafts at once, so with more than that in
                # flight the victim, whichever it is, holds at least one.
                flying = wait_for(
                    lambda: (
                        len(in_flight(self.business)) > CONCURRENCY and in_flight(self.business)
                    ),
                    timeout=300,
                    interval=0.05,
                    message=f"more than {CONCURRENCY} drafts in flight to kill a worker under",
                )
                victim = self.rng.choice(self.workers)
                killed_at = time.monotonic()
                victim.kill()
                print(f"  crash: kill {number}: {victim.name}, {len(flying)} drafts in flight")
                watcher = threading.Thread(
                    target=self.watch, args=(number, killed_at, flying), daemon=True
                )
                watcher.start()
                self.watchers.append(watcher)
                victim.start()
                victim.wait_ready()
        except BaseException as error:
            self.errors.append(error)
        finally:
            connection.close()

    def watch(self, number: int, killed_at: float, flying: set[int]) -> None:
        from django.db import connection

        try:
            wait_for(
                lambda: not_done(flying) == 0,
                timeout=600,
                interval=0.2,
                message=f"the drafts in flight at kill {number} to be done",
            )
            recovery = time.monotonic() - killed_at
            self.recoveries[number] = recovery
            print(f"  crash: kill {number}: recovered in {recovery:.1f}s", flush=True)
        except BaseException as error:
            self.errors.append(error)
        finally:
            connection.close()

    def finish(self) -> None:
        self.join()
        for watcher in self.watchers:
            watcher.join()
        if self.errors:
            raise self.errors[0]


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    rng = random.Random(13)
    # Inside the test-suite the lease is short (6 s, the least allowed) and drafts are swept every
    # 3 s, so a kill recovers in seconds; the drill itself measures the real settings.
    env = {
        "INVOICE_DRAFT_LEASE_SECONDS": "6",
        "INVOICE_DRAFT_STALE_SECONDS": "3",
        "INVOICE_DRAFT_SWEEP_SECONDS": "3",
    }
    with World("crash", env=env if in_tests() else None) as world:
        clients = size["runs"] + 2
        business = world.connect_business(
            businesses=1,
            clients=clients,
            currencies=["USD"],
            time_entries=size["entries"],
            months=2,
            billed_fraction=0,
        )
        client_ids = world.client_ids_with_unbilled_time(business)[: size["runs"]]
        workers = [world.start_worker(name, concurrency=CONCURRENCY) for name in ("a", "b")]
        beat = world.start_beat()
        for worker in workers:
            worker.wait_ready()
        beat.wait_ready()
        world.sandbox.control.add_fault(
            method="*", path=None, kind="latency", latency_ms=size["latency_ms"]
        )

        killer = Killer(workers, business, kills=size["kills"], rng=rng)
        killer.start()
        run_ids = []
        started = time.monotonic()

        # One run per client, four people starting them at once (each reads fresh data first,
        # slowed too), so drafts pile up faster than the workers finish them.
        def start(client_id: int) -> int:
            from django.db import connection

            try:
                return start_invoice_run(business, client_ids=[client_id]).pk
            finally:
                connection.close()

        with ThreadPoolExecutor(4) as people:
            run_ids.extend(people.map(start, client_ids))
        killer.finish()
        wait_for(
            lambda: runs_unfinished(run_ids) == 0,
            timeout=900,
            interval=0.5,
            message="every run to finish",
        )
        converged = time.monotonic() - started
        world.sandbox.control.clear_faults()

        from invoicing.models import InvoiceRun

        statuses = set(InvoiceRun.objects.filter(pk__in=run_ids).values_list("status", flat=True))
        figures = invoice_invariants(world.sandbox, business)
        recoveries = [killer.recoveries[number] for number in sorted(killer.recoveries)]
        slowest = max(recoveries, default=0.0)
        passed = (
            len(run_ids) == size["runs"]
            and exactly_once(figures)
            and statuses == {"completed"}
            and len(recoveries) == size["kills"]
            and slowest <= RECOVERY_TARGET
        )
        notes = [
            "recovery after each kill: " + ", ".join(f"{value:.1f}s" for value in recoveries),
            f"run statuses: {sorted(statuses)}; drafts by state: {dict(drafts_by_state(business))}",
        ]
        from django.conf import settings

        notes.append(
            f"lease {settings.INVOICE_DRAFT_LEASE_SECONDS}s, drafts swept every "
            f"{settings.INVOICE_DRAFT_SWEEP_SECONDS}s"
        )
        return world.result(
            passed=passed,
            counts={
                "runs": len(run_ids),
                "kills": len(recoveries),
                "worker_starts": sum(worker.starts for worker in workers),
                **figures,
                "slowest_recovery_s": round(slowest, 1),
                "all_done_s": round(converged, 1),
            },
            ratios={"slowest_recovery_vs_target": slowest / RECOVERY_TARGET},
            notes=notes,
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
