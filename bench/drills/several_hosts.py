"""Several hosts: web, two worker hosts and beat, each in a Linux network namespace of its own,
reach PostgreSQL, Redis and the sandbox only over their links; one worker host is cut off in the
middle of an invoice run and a sync, and restored later.

Each namespace is linked to this machine by a veth pair on a /30 of its own; TCP forwarders on
this machine's end of each link lead to PostgreSQL, Redis and the sandbox (which listen on
127.0.0.1). An invoice run (one draft per client) and a full sync are started; while drafts are
in flight and the sync runs, the first worker host's link goes down (its connections hang, as
with a pulled cable) and comes back ``cut`` seconds later. Checks: every draft done by the other
host (or both), one invoice per draft, no entry billed twice, the sync succeeded and the mirror
equals the sandbox; after the restore, one more run per client proves the cut host works again
(it must run tasks).

This is the proof that nothing assumes one machine: no shared files, no 127.0.0.1, no local
locks. Needs root. Small: cut 30 s. Full: cut 60 s, more runs and entries.
"""

from __future__ import annotations

import time

from bench.drills._netns import Forwarders, Hosts
from bench.drills.common import (
    DrillResult,
    World,
    exactly_once,
    in_tests,
    invoice_invariants,
    isolated,
    mirror_differences,
    runs_unfinished,
    start_invoice_run,
    wait_for,
)


def sizes(full: bool) -> dict[str, int]:
    if in_tests():
        return {"runs": 2, "entries": 200, "cut": 8, "latency_ms": 100}
    if full:
        return {"runs": 12, "entries": 3000, "cut": 60, "latency_ms": 150}
    return {"runs": 4, "entries": 600, "cut": 30, "latency_ms": 150}


def link_env(world: World, forwarders: Forwarders, host) -> dict[str, str]:
    """An app process's environment on ``host``: every service through the link's forwarders."""
    from urllib.parse import urlsplit

    from django.conf import settings

    database = settings.DATABASES["default"]
    redis = urlsplit(world.redis_url)
    sandbox = urlsplit(world.sandbox.url)
    at = host.host_address
    postgres_port = forwarders.add(at, int(database.get("PORT") or 5432))
    redis_port = forwarders.add(at, redis.port or 6379)
    sandbox_port = forwarders.add(at, sandbox.port or 80)
    redis_url = f"redis://{at}:{redis_port}{redis.path or '/0'}"
    sandbox_url = f"http://{at}:{sandbox_port}"
    return world.app_env(
        DATABASE_URL=f"postgres://{database.get('USER') or 'postgres'}@{at}:{postgres_port}/"
        f"{database['NAME']}",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        FRESHBOOKS_API_BASE_URL=sandbox_url,
        FRESHBOOKS_AUTH_BASE_URL=sandbox_url,
        ALLOWED_HOSTS="*",
    )


def tasks_done_since(worker, offset: int) -> int:
    return worker.log()[offset:].count(" succeeded in ")


def in_flight(business) -> int:
    from django.utils import timezone

    from invoicing.models import DraftInvoice

    return DraftInvoice.objects.filter(
        business=business,
        state__in=("submitting", "created", "marking_billed"),
        lease_expires_at__gt=timezone.now(),
    ).count()


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    env = {"SYNC_STALE_SECONDS": "60"}
    if in_tests():
        env.update(
            INVOICE_DRAFT_LEASE_SECONDS="6",
            INVOICE_DRAFT_STALE_SECONDS="3",
            INVOICE_DRAFT_SWEEP_SECONDS="3",
        )
    hosts = Hosts()
    forwarders = Forwarders()
    try:
        with World("several_hosts", env=env) as world:
            business = world.connect_business(
                businesses=1,
                clients=2 * size["runs"] + 2,
                currencies=["USD"],
                time_entries=size["entries"],
                months=2,
                billed_fraction=0,
            )
            client_ids = world.client_ids_with_unbilled_time(business)
            first_clients = client_ids[: size["runs"]]
            later_clients = client_ids[size["runs"] : 2 * size["runs"]]
            web_host, cut_host, other_host, beat_host = (
                hosts.add(role) for role in ("web", "w1", "w2", "beat")
            )
            web, url = world.start_web(
                host=web_host.address,
                port=8000,
                env=link_env(world, forwarders, web_host),
                wrap=web_host.wrap,
            )
            cut_worker = world.start_worker(
                "w1", env=link_env(world, forwarders, cut_host), wrap=cut_host.wrap
            )
            other_worker = world.start_worker(
                "w2", env=link_env(world, forwarders, other_host), wrap=other_host.wrap
            )
            beat = world.start_beat(env=link_env(world, forwarders, beat_host), wrap=beat_host.wrap)
            world.wait_web(web, url)
            for process in (cut_worker, other_worker, beat):
                process.wait_ready()
            world.sandbox.control.add_fault(
                method="*", path=None, kind="latency", latency_ms=size["latency_ms"]
            )

            from invoicing.models import DraftInvoice, InvoiceRun, SyncRun
            from invoicing.sync.runs import sync_run_request

            world.sandbox.control.update_time_entry(
                business.business_id,
                world.sandbox.control.time_entries(business.business_id)[0]["id"],
                note="changed before the sync",
            )
            # One run for the first clients: its drafts are enqueued together, so both hosts hold
            # some when the cut comes (runs started one by one, each planned for ~13 s under load,
            # let every draft finish before the next was planned at full size). Then the sync.
            run_ids = [start_invoice_run(business, client_ids=first_clients).pk]
            sync = sync_run_request(business=business, trigger="user", full=True)
            # The tiny in-test run may have one draft left in flight on a loaded machine; one
            # draft in flight is still a cut mid-run.
            wanted_in_flight = 1 if in_tests() else 2

            def mid_run_and_sync() -> bool:
                sync.refresh_from_db(fields=["status"])
                return (
                    in_flight(business) >= wanted_in_flight
                    and sync.status == SyncRun.Status.RUNNING
                )

            wait_for(
                mid_run_and_sync,
                timeout=180,
                interval=0.05,
                message="drafts in flight and the sync running",
            )
            cut_at = time.monotonic()
            cut_host.cut()
            sync_on_cut_host = int("sync.business_sync[" in cut_worker.log())
            print(
                f"  several_hosts: cut {cut_host.name} with {in_flight(business)} drafts in flight "
                "and the sync running"
            )
            time.sleep(size["cut"])
            done_while_cut = DraftInvoice.objects.filter(run_id__in=run_ids, state="done").count()
            first_drafts = DraftInvoice.objects.filter(run_id__in=run_ids).count()
            restore_offset = len(cut_worker.log())
            cut_host.restore()
            print(
                f"  several_hosts: restored after {time.monotonic() - cut_at:.0f}s; "
                f"{done_while_cut}/{first_drafts} drafts of the first run done meanwhile",
                flush=True,
            )

            def first_work_done() -> bool:
                sync.refresh_from_db()
                return sync.status not in ("queued", "running") and not runs_unfinished(run_ids)

            wait_for(
                first_work_done,
                timeout=900,
                interval=0.5,
                message="the runs and the sync to finish",
                alive=[web, cut_worker, other_worker, beat],
            )
            converged = time.monotonic() - cut_at
            # The cut host rejoins: more runs, and it must take some of their drafts.
            later_ids = [start_invoice_run(business, client_ids=[c]).pk for c in later_clients]
            wait_for(
                lambda: not runs_unfinished(later_ids),
                timeout=600,
                interval=0.5,
                message="the later runs to finish",
                alive=[web, cut_worker, other_worker, beat],
            )
            world.sandbox.control.clear_faults()
            # The other host may have taken every later draft while the cut one reconnected to the
            # broker; beat's sweeps keep coming, so a host that rejoined soon runs one of them.
            wait_for(
                lambda: tasks_done_since(cut_worker, restore_offset) > 0,
                timeout=180,
                interval=0.5,
                message="the cut host to run a task again",
                alive=[web, cut_worker, other_worker, beat],
            )
            rejoined_tasks = tasks_done_since(cut_worker, restore_offset)
            sync.refresh_from_db()
            figures = invoice_invariants(world.sandbox, business)
            mirror = mirror_differences(world.sandbox, business, billed=False)
            statuses = set(
                InvoiceRun.objects.filter(pk__in=run_ids + later_ids).values_list(
                    "status", flat=True
                )
            )
            import requests

            web_status = requests.get(f"{url}/healthz", timeout=10).status_code
            passed = (
                exactly_once(figures)
                and statuses == {"completed"}
                and sync.status == SyncRun.Status.SUCCEEDED
                and not any(mirror.values())
                and rejoined_tasks > 0
                and web_status == 200
            )
            return world.result(
                passed=passed,
                counts={
                    "hosts": len(hosts.hosts),
                    "cut_s": size["cut"],
                    "runs": len(run_ids) + len(later_ids),
                    "drafts_done_while_cut": done_while_cut,
                    **figures,
                    "mirror_missing": mirror["missing"],
                    "mirror_stale": mirror["stale"],
                    "sync_attempts": sync.attempts,
                    "sync_on_cut_host": sync_on_cut_host,
                    "cut_host_tasks_after_restore": rejoined_tasks,
                    "first_runs_done_after_cut_s": round(converged, 1),
                },
                notes=[
                    f"sync {sync.status} {sync.error}".strip(),
                    f"run statuses: {sorted(statuses)}; links on {hosts.prefix}0/24",
                ],
            )
    finally:
        forwarders.close()
        hosts.remove_all()


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
