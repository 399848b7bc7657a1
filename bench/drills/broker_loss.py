"""Broker loss: Redis restarted empty in the middle of a webhook storm and an invoice run.

The drill's app (gunicorn, two workers, beat) uses a redis-server of the drill's own that keeps
nothing on disk, for the broker and the cache. Senders edit time entries in the sandbox and post
the signed ``time_entry.update`` deliveries, as FreshBooks would (retrying what was not accepted),
while invoice runs create drafts. With a backlog of queued deliveries and drafts, Redis is killed
and started again empty: every queued task is gone. The database rows are the outbox and beat's
sweepers re-enqueue them. Checks: every delivery done (or coalesced into one that is), every
edit in the mirror, every draft done with one invoice and no entry billed twice. Prints how long
everything took to converge after the restart.

Small: 300 deliveries and 4 runs. Full: 2,000 deliveries and 20 runs. Both use the app's sweep
intervals; the small size shortens the webhook sweep's grace (WEBHOOK_SWEEP_GRACE_SECONDS) to
30 s; the test-suite's sweeps every 3 s with a 3 s grace.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.drills.common import (
    DrillResult,
    WebhookSender,
    World,
    deliveries_by_status,
    deliveries_unsettled,
    drafts_by_state,
    exactly_once,
    in_tests,
    invoice_invariants,
    isolated,
    runs_unfinished,
    start_invoice_run,
    wait_for,
)

SETTLED = {"done", "coalesced"}


def sizes(full: bool) -> dict[str, int]:
    # ``senders``: threads posting deliveries; enough that they outpace the workers, so the broker
    # holds a backlog to lose (at full size 4 senders only kept pace with 4 worker processes).
    if in_tests():
        return {
            "deliveries": 80,
            "runs": 2,
            "entries": 200,
            "latency_ms": 80,
            "grace": 3,
            "senders": 4,
        }
    if full:
        return {
            "deliveries": 2000,
            "runs": 20,
            "entries": 3000,
            "latency_ms": 100,
            "grace": 120,
            "senders": 12,
        }
    return {
        "deliveries": 300,
        "runs": 4,
        "entries": 500,
        "latency_ms": 100,
        "grace": 30,
        "senders": 4,
    }


class Storm:
    """FreshBooks' side: edit an entry's note, post the delivery, retry until accepted."""

    def __init__(self, world: World, sender: WebhookSender, business, entry_ids: list[int]):
        self.world, self.sender, self.business = world, sender, business
        self.entry_ids = entry_ids
        self.sent = 0
        self.refused: dict[str, int] = {}
        self.notes: dict[int, str] = {}
        self.lock = threading.Lock()

    def deliver(self, index: int) -> None:
        entry_id = self.entry_ids[index % len(self.entry_ids)]
        note = f"storm edit {index}"
        with self.lock:
            # One edit at a time per entry, so the last note sent is the one FreshBooks keeps.
            self.world.sandbox.control.update_time_entry(
                self.business.business_id, entry_id, note=note
            )
            self.notes[entry_id] = note
        for _attempt in range(120):
            status = self.sender.send("time_entry.update", entry_id)
            if 200 <= status < 300:
                break
            with self.lock:
                key = str(status or "unreachable")
                self.refused[key] = self.refused.get(key, 0) + 1
            time.sleep(0.5)
        else:
            raise RuntimeError(f"delivery {index} was never accepted")
        with self.lock:
            self.sent += 1

    def run(self, count: int, threads: int = 4) -> None:
        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(self.deliver, range(count)):
                pass

    def edits_missing(self) -> int:
        """Edited entries whose last note has not reached the mirror."""
        from invoicing.models import TimeEntry

        mirrored = dict(
            TimeEntry.objects.filter(
                business=self.business, freshbooks_id__in=list(self.notes)
            ).values_list("freshbooks_id", "note")
        )
        return sum(1 for entry_id, note in self.notes.items() if mirrored.get(entry_id) != note)


class Runs(threading.Thread):
    """Starts one invoice run per client (preview and create, as a person would) while the storm
    goes on, so the broker loses drafts' tasks among the deliveries."""

    def __init__(self, business, client_ids: list[int]):
        super().__init__(daemon=True)
        self.business, self.client_ids = business, client_ids
        self.run_ids: list[int] = []
        self.errors: list[str] = []

    def run(self) -> None:
        from django.db import connection

        try:
            for client in self.client_ids:
                self.run_ids.append(start_invoice_run(self.business, client_ids=[client]).pk)
        except Exception as error:  # reported: the drill fails on it
            self.errors.append(f"invoice run: {type(error).__name__}: {error}"[:300])
        finally:
            connection.close()

    def join(self, timeout: float | None = 600) -> None:
        super().join(timeout)


DRAFTS_SETTLED = {"done", "failed", "needs_attention", "voided"}


def drafts_in_flight(business) -> int:
    """Drafts planned and not yet settled: their tasks are in the broker or a worker."""
    counts = drafts_by_state(business)
    return sum(count for state, count in counts.items() if state not in DRAFTS_SETTLED)


def backlog(world: World) -> int:
    """Messages waiting in the broker's queues (the drill's prefix)."""
    import redis

    client = redis.Redis.from_url(world.redis_url)
    return sum(
        int(client.llen(f"{world.prefix}{queue}"))
        for queue in ("webhooks", "sync", "invoicing", "default")
    )


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    env = {"WEBHOOK_SWEEP_GRACE_SECONDS": str(size["grace"])}
    if in_tests():
        env.update(WEBHOOK_SWEEP_INTERVAL_SECONDS="3", INVOICE_DRAFT_SWEEP_SECONDS="3")
    with World("broker_loss", private_redis=True, env=env) as world:
        assert world.redis is not None
        business = world.connect_business(
            businesses=1,
            clients=size["runs"] + 2,
            currencies=["USD"],
            time_entries=size["entries"],
            months=2,
            billed_fraction=0,
        )
        client_ids = world.client_ids_with_unbilled_time(business)[: size["runs"]]
        from invoicing.models import TimeEntry

        # Edits go to time nobody bills in this drill (other clients' and non-billable time), so
        # the runs' plans stay what they were.
        entry_ids = list(
            TimeEntry.objects.filter(business=business)
            .exclude(client_freshbooks_id__in=client_ids)
            .order_by("freshbooks_id")
            .values_list("freshbooks_id", flat=True)[:150]
        )
        web, url = world.start_web()
        workers = [world.start_worker(name, concurrency=2) for name in ("a", "b")]
        beat = world.start_beat()
        world.wait_web(web, url)
        for process in (*workers, beat):
            process.wait_ready()
        sender = WebhookSender(business, url)
        world.sandbox.control.add_fault(
            method="*", path=None, kind="latency", latency_ms=size["latency_ms"]
        )

        storm = Storm(world, sender, business, entry_ids)
        storm_thread = threading.Thread(
            target=storm.run, args=(size["deliveries"], size["senders"]), daemon=True
        )
        storm_thread.start()
        runs = Runs(business, client_ids)
        runs.start()

        # Wait for a backlog of queued work while drafts are in flight, then lose it all.
        def loss_moment() -> int:
            queued = backlog(world)
            return queued if queued >= 10 and drafts_in_flight(business) > 0 else 0

        queued = wait_for(
            loss_moment,
            timeout=300,
            interval=0.05,
            message="a backlog in the broker with drafts in flight",
        )
        lost_keys = world.redis.keys()
        restarted_at = time.monotonic()
        world.redis.restart_empty(down_seconds=1.0)
        print(
            f"  broker_loss: Redis restarted empty with {queued} tasks queued "
            f"({lost_keys} keys), {storm.sent} deliveries sent, "
            f"drafts {dict(drafts_by_state(business))}",
            flush=True,
        )
        storm_thread.join()
        runs.join()
        run_ids = runs.run_ids
        wait_for(
            lambda: (
                runs_unfinished(run_ids) == 0
                and deliveries_unsettled(business) == 0
                and storm.edits_missing() == 0
            ),
            timeout=900,
            interval=0.5,
            message="every delivery and draft to settle",
            alive=[web, *workers, beat],
        )
        converged = time.monotonic() - restarted_at
        world.sandbox.control.clear_faults()

        deliveries = deliveries_by_status(business)
        unsettled = sum(count for status, count in deliveries.items() if status not in SETTLED)
        figures = invoice_invariants(world.sandbox, business)
        edits_missing = storm.edits_missing()
        passed = (
            exactly_once(figures)
            and unsettled == 0
            and edits_missing == 0
            and storm.sent == size["deliveries"]
            and len(run_ids) == size["runs"]
            and not runs.errors
        )
        from django.conf import settings

        refused_5xx = sum(count for key, count in storm.refused.items() if key.startswith("5"))
        return world.result(
            passed=passed,
            counts={
                "deliveries_sent": storm.sent,
                "tasks_lost": queued,
                "deliveries_done": deliveries.get("done", 0),
                "deliveries_coalesced": deliveries.get("coalesced", 0),
                "deliveries_unsettled": unsettled,
                "edits_missing": edits_missing,
                "posts_refused_5xx": refused_5xx,
                "runs": len(run_ids),
                **figures,
                "converged_s": round(converged, 1),
            },
            notes=[
                *runs.errors,
                f"deliveries by status: {dict(deliveries)}; refused posts: {storm.refused}",
                f"webhook sweep grace {size['grace']}s, deliveries swept every "
                f"{settings.WEBHOOK_SWEEP_INTERVAL_SECONDS}s, drafts every "
                f"{settings.INVOICE_DRAFT_SWEEP_SECONDS}s",
            ],
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
