"""Re-sync under webhooks: a full re-sync while webhook-driven edits arrive hides nothing.

A business is connected and mirrored, then a full re-sync starts on the workers while editor
threads change time at FreshBooks (notes and durations of existing entries, new entries, a few
deletions) and post a signed webhook delivery for each to gunicorn, which the workers process
during the sync. The sandbox slows every time-entry list page, so the sync lasts long enough for
the edits to land in the middle of it (the race of issue 13's first hole: a webhook refresh
during a full sync, then the sync's last step deactivating what it had not seen).

While it runs, the drill samples:
- the mirror, many times: every entry that was live and unbilled before the run and that nobody
  deleted must be active in the mirror;
- previews (``invoice_run_preview``, fresh data read first, as the preview page does): each must
  show every such entry (on a line, or left out with its reason).

At the end (sync done, deliveries settled) the mirror must equal FreshBooks: no live entry
missing, none extra, none stale (duration, note, billed flag).

Small: 300 entries, 60 edits. Full: 5,000 entries, 1,000 edits. In the test-suite: 150
entries, 24 edits.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta

from bench.drills.common import (
    DrillResult,
    WebhookSender,
    World,
    deliveries_unsettled,
    in_tests,
    isolated,
    mirror_differences,
    period_options,
    wait_for,
)


def sizes(full: bool) -> dict[str, int]:
    if in_tests():
        return {"entries": 150, "edits": 24, "editors": 2, "page_latency_ms": 1500}
    if full:
        return {"entries": 5000, "edits": 1000, "editors": 8, "page_latency_ms": 1500}
    return {"entries": 300, "edits": 60, "editors": 2, "page_latency_ms": 2500}


class Editors:
    """Threads editing time at FreshBooks and posting the webhook FreshBooks would send.

    They start once the sync has stored its first page of time entries and spread the edits over
    ``seconds`` (about as long as the listing lasts), and they edit entries the listing has
    already seen when there are any: the webhook refresh then lands between the listing and the
    sync's last step, where issue 13's first hole lost them.
    """

    def __init__(
        self,
        world: World,
        business,
        sender: WebhookSender,
        *,
        edits: int,
        threads: int,
        seconds: float,
    ):
        control = world.sandbox.control
        self.control, self.business, self.sender = control, business, sender
        live = [
            entry
            for entry in control.time_entries(business.business_id)
            if entry.get("active", True) and entry.get("is_logged") and not entry.get("billed")
        ]
        self.rng = random.Random(13)  # noqa: S311 - a drill's choices, not secrets
        self.targets = live
        self.clients = sorted(c["id"] for c in control.state(business.account_id, "clients"))
        self.deleted: set[int] = set()
        self.refused = 0
        self.done = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._work = list(range(edits))
        self._interval = seconds * threads / max(1, edits)
        self.run_id: int | None = None
        self.go = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=600)

    def _next(self) -> int | None:
        with self._lock:
            return self._work.pop(0) if self._work else None

    def _run(self) -> None:
        from django.db import connection

        self.go.wait(timeout=600)
        try:
            self._edits()
        finally:
            connection.close()

    def _edits(self) -> None:
        due = time.monotonic()
        while (index := self._next()) is not None:
            # On a schedule, so the time an edit itself takes does not stretch the whole.
            due += self._interval
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                name, object_id = self._edit(index)
                status = self.sender.send(name, object_id)
            except Exception as error:  # reported: the drill fails on any
                with self._lock:
                    self.errors.append(f"{type(error).__name__}: {error}"[:200])
                continue
            with self._lock:
                self.done += 1
                self.refused += status != 200

    def _listed_target(self) -> dict:
        """An entry the running sync has listed already, or any when it has listed none."""
        from invoicing.models import TimeEntry

        listed = set(
            TimeEntry.objects.filter(
                business=self.business, seen_by_run_id=self.run_id
            ).values_list("freshbooks_id", flat=True)
        )
        with self._lock:
            candidates = [entry for entry in self.targets if entry["id"] in listed]
            return self.rng.choice(candidates or self.targets)

    def _edit(self, index: int) -> tuple[str, int]:
        business_id = self.business.business_id
        if index % 20 == 19:
            with self._lock:
                entry = self.targets.pop(self.rng.randrange(len(self.targets)))
                self.deleted.add(entry["id"])
            self.control.delete_time_entry(business_id, entry["id"])
            return "time_entry.delete", entry["id"]
        if index % 5 == 4:
            started = datetime.now(UTC) - timedelta(days=3, minutes=index)
            created = self.control.create_time_entry(
                business_id,
                started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                duration=600 + index,
                client_id=self.clients[index % len(self.clients)],
                billable=True,
                note=f"created during the re-sync {index}",
            )
            return "time_entry.create", created["id"]
        entry = self._listed_target()
        self.control.update_time_entry(
            business_id,
            entry["id"],
            note=f"edited during the re-sync {index}",
            duration=900 + index,
        )
        return "time_entry.update", entry["id"]


def preview_shows(business) -> set[int]:
    """The entries a fresh preview shows: on its lines, or not billed with a reason."""
    from invoicing.drafts import invoice_run_preview
    from invoicing.selectors.previews import preview_entry_ids

    run = invoice_run_preview(business=business, raw_options=period_options())
    snapshot = run.preview
    reasons = {
        int(item["entry_id"]) for item in snapshot.get("not_billed", []) if item.get("entry_id")
    }
    run.delete()
    return preview_entry_ids(snapshot) | reasons


class PreviewSampler(threading.Thread):
    """Takes fresh previews one after another while the sync runs; remembers the most watched
    entries one of them did not show."""

    watched: set[int] = set()

    def __init__(self, business, editors: Editors):
        super().__init__(daemon=True)
        self.business, self.editors = business, editors
        self.samples = self.worst = 0
        self.errors: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        from django.db import connection

        try:
            while not self._halt.is_set():
                live = self.watched - self.editors.deleted
                shown = preview_shows(self.business)
                self.worst = max(self.worst, len(live - shown - self.editors.deleted))
                self.samples += 1
        except Exception as error:  # reported: the drill fails on it
            self.errors.append(f"preview: {type(error).__name__}: {error}"[:300])
        finally:
            connection.close()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=120)


def mirror_active(business, entry_ids: set[int]) -> set[int]:
    from invoicing.models import TimeEntry

    return set(
        TimeEntry.objects.filter(
            business=business, active=True, freshbooks_id__in=entry_ids
        ).values_list("freshbooks_id", flat=True)
    )


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    with World("resync") as world:
        worker = world.start_worker("a", queues="webhooks,sync,default", concurrency=3)
        web, base_url = world.start_web(workers=1, threads=4)
        business = world.connect_business(
            users=1, businesses=1, clients=6, time_entries=size["entries"], months=2
        )
        worker.wait_ready()
        world.wait_web(web, base_url)
        alive = [worker, web]
        sender = WebhookSender(business, base_url)
        watched = preview_shows(business)
        PreviewSampler.watched = watched
        control = world.sandbox.control
        control.add_fault(
            method="GET",
            path=r"/time_entries$",
            kind="latency",
            latency_ms=size["page_latency_ms"],
        )
        pages = -(-size["entries"] // 100)
        editors = Editors(
            world,
            business,
            sender,
            edits=size["edits"],
            threads=size["editors"],
            seconds=pages * size["page_latency_ms"] / 1000,
        )

        from invoicing.models import SyncRun
        from invoicing.sync.runs import sync_run_request

        started = time.monotonic()
        run = sync_run_request(business=business, trigger="drill", full=True)
        editors.run_id = run.pk
        editors.start()
        previews = PreviewSampler(business, editors)
        previews.start()
        mirror_samples = worst_mirror = edits_during_sync = 0

        def sync_finished() -> bool:
            run.refresh_from_db(fields=["status", "progress"])
            if (run.progress or {}).get("stage") in ("time_entries", "finalize"):
                editors.go.set()
            return run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED)

        deadline = time.monotonic() + (3600 if full else 600)
        while not sync_finished():
            for process in alive:
                process.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError("the full re-sync did not finish")
            live = watched - editors.deleted
            missing = live - mirror_active(business, live) - editors.deleted
            mirror_samples += 1
            worst_mirror = max(worst_mirror, len(missing))
            edits_during_sync = editors.done
            time.sleep(0.1)
        previews.stop()
        editors.go.set()
        sync_seconds = time.monotonic() - started
        editors.join()
        control.clear_faults()
        wait_for(
            lambda: deliveries_unsettled(business) == 0,
            timeout=600,
            message="the webhook deliveries",
            alive=alive,
        )
        # One more preview and mirror check after the dust settled.
        live = watched - editors.deleted
        worst_mirror = max(worst_mirror, len(live - mirror_active(business, live)))
        worst_preview = max(previews.worst, len(live - preview_shows(business)))
        preview_samples = previews.samples
        final = mirror_differences(world.sandbox, business)
        world.notes.extend([*editors.errors[:5], *previews.errors])
        world.notes.append(
            f"sync {run.status} in {sync_seconds:.0f}s; {edits_during_sync} of {size['edits']} "
            f"edits made while it ran; {mirror_samples} mirror, {preview_samples} preview samples"
        )
        passed = (
            run.status == SyncRun.Status.SUCCEEDED
            and not editors.errors
            and not previews.errors
            and editors.refused == 0
            and worst_mirror == 0
            and worst_preview == 0
            and not any(final.values())
            and preview_samples > 0
            and edits_during_sync > 0
        )
        return world.result(
            passed=passed,
            counts={
                "entries_watched": len(watched),
                "edits": editors.done,
                "edits_during_sync": edits_during_sync,
                "deliveries_refused": editors.refused,
                "mirror_samples": mirror_samples,
                "preview_samples": preview_samples,
                "most_missing_from_mirror": worst_mirror,
                "most_missing_from_a_preview": worst_preview,
                "final_missing": final["missing"],
                "final_extra": final["extra"],
                "final_stale": final["stale"],
            },
            ratios={"edits_during_sync_share": edits_during_sync / max(1, size["edits"])},
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
