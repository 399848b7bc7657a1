"""Faults: the same work with and without FreshBooks misbehaving must end in the same state.

The same scenario runs twice in one world, first fault-free, then with the sandbox faulting (each
matching call drawn at random, seeded): 30 % answered 429 with ``Retry-After: 1``, 10 % 503, and
5 % timing out *after* the sandbox did the work (the app's read timeout is 1 s, the sandbox waits
1.5 s), so a created invoice's answer is lost and the app must reconcile rather than post again.
Token refreshes are left alone (FreshBooks rotating a refresh token whose answer never arrives
would need a reconnect whatever the app did). Both runs, with 2 worker processes and gunicorn:

1. seed the sandbox (same seed, same sizes) and connect its first business;
2. a full sync (the workers' ``sync`` queue);
3. edits at FreshBooks (notes and durations changed, entries created and deleted) and a signed
   webhook delivery for each, posted to gunicorn, processed by the workers;
4. an invoice run over every client (previewed without faults, as a person's request: its
   drafts are created by the workers, under faults).

The final states are compared after mapping each run's FreshBooks ids to their rank (the sandbox
hands out new ids after a reset): the mirror (clients, projects, services, time entries), the
drafts (client, total, state) and FreshBooks' own invoices (client, amount) and billed entries;
also every draft done exactly once. Prints the API calls of the faulted run against the
fault-free one.

Small: 2 clients, 30 entries, 8 edits. Full: 20 clients, 2,000 entries, 200 edits. In the
test-suite: 2 clients, 12 entries, 4 edits.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.drills.common import (
    DrillResult,
    WebhookSender,
    World,
    deliveries_unsettled,
    exactly_once,
    in_tests,
    invoice_invariants,
    isolated,
    runs_unfinished,
    start_invoice_run,
    wait_for,
)

SEED = 1313
FAULTED_PATHS = r"^/(?!auth/oauth/token)"
FAULTS = (
    {"kind": "status", "status": 429, "retry_after": 1, "chance": 0.30, "seed": 1},
    {"kind": "status", "status": 503, "chance": 0.10, "seed": 2},
    {"kind": "timeout", "timeout_s": 1.5, "phase": "after", "chance": 0.05, "seed": 3},
)
APP_SETTINGS = {"FRESHBOOKS_READ_TIMEOUT": "1", "WEBHOOK_RETRY_BASE_SECONDS": "1"}


def sizes(full: bool) -> dict[str, int]:
    if in_tests():
        return {"clients": 2, "time_entries": 12, "edits": 4}
    if full:
        return {"clients": 20, "time_entries": 2000, "edits": 200}
    return {"clients": 2, "time_entries": 30, "edits": 8}


def fault_name(rule: dict[str, Any]) -> str:
    return f"status {rule['status']}" if rule["kind"] == "status" else rule["kind"]


def faults_on(control) -> None:
    control.clear_faults()
    for rule in FAULTS:
        control.add_fault(method="*", path=FAULTED_PATHS, **rule)


# -- the scenario --------------------------------------------------------------------------------


def full_sync(world: World, business, *, alive, timeout: float) -> str:
    from invoicing.models import SyncRun
    from invoicing.sync.runs import sync_run_request

    run = sync_run_request(business=business, trigger="drill", full=True)

    def finished():
        run.refresh_from_db()
        return run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED)

    wait_for(finished, timeout=timeout, message="the full sync", alive=alive)
    return run.status


def edit_at_freshbooks(control, business, *, edits: int) -> list[tuple[str, int]]:
    """Deterministic edits at FreshBooks; the webhook events they would cause, in order."""
    entries = sorted(control.time_entries(business.business_id), key=lambda entry: entry["id"])
    live = [entry for entry in entries if entry.get("active", True) and entry.get("is_logged")]
    clients = sorted(c["id"] for c in control.state(business.account_id, "clients"))
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    events: list[tuple[str, int]] = []
    for index, entry in enumerate(live[:edits]):
        control.update_time_entry(
            business.business_id,
            entry["id"],
            note=f"edited {index}",
            duration=int(entry.get("duration") or 0) + 60 * (index + 1),
        )
        events.append(("time_entry.update", entry["id"]))
    for index in range(max(1, edits // 4)):
        created = control.create_time_entry(
            business.business_id,
            started_at=(start - timedelta(days=2, minutes=10 * index)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            duration=900 + 60 * index,
            client_id=clients[index % len(clients)],
            billable=True,
            note=f"created {index}",
        )
        events.append(("time_entry.create", created["id"]))
    for entry in live[-max(1, edits // 10) :]:
        control.delete_time_entry(business.business_id, entry["id"])
        events.append(("time_entry.delete", entry["id"]))
    return events


def scenario(world: World, *, faulted: bool, size: dict[str, int], alive, base_url: str):
    """One run of the scenario; returns (business, API calls, faults fired, notes)."""
    control = world.sandbox.control
    control.clear_faults()
    business = world.connect_business(
        sync=False,
        users=1,
        businesses=1,
        clients=size["clients"],
        projects_per_client=1,
        services=2,
        time_entries=size["time_entries"],
        months=2,
        billed_fraction=0.1,
        seed=SEED,
    )
    sender = WebhookSender(business, base_url)
    control.reset_calls()
    if faulted:
        faults_on(control)
    timeout = 1800 if size["time_entries"] > 500 else 300
    clock = time.monotonic()
    sync_status = full_sync(world, business, alive=alive, timeout=timeout)
    took = {"sync": time.monotonic() - clock}
    clock = time.monotonic()
    events = edit_at_freshbooks(control, business, edits=size["edits"])
    refused = sum(1 for name, object_id in events if sender.send(name, object_id) != 200)
    wait_for(
        lambda: deliveries_unsettled(business) == 0,
        timeout=timeout,
        message="the webhook deliveries",
        alive=alive,
    )
    took["webhooks"] = time.monotonic() - clock
    fired = {fault_name(rule): rule["fired"] for rule in control.faults()}
    control.clear_faults()
    run = start_invoice_run(business)
    if faulted:
        faults_on(control)
    clock = time.monotonic()
    wait_for(
        lambda: runs_unfinished([run.pk]) == 0, timeout=timeout, message="the drafts", alive=alive
    )
    took["drafts"] = time.monotonic() - clock
    for rule in control.faults():
        fired[fault_name(rule)] = fired.get(fault_name(rule), 0) + rule["fired"]
    control.clear_faults()
    notes = [f"sync {sync_status}"] + ([f"{refused} deliveries refused"] if refused else [])
    notes.append(", ".join(f"{stage} {seconds:.0f}s" for stage, seconds in took.items()))
    return business, control.calls().get("total", 0), fired, notes


# -- the final state, ids replaced by ranks ------------------------------------------------------


def final_state(sandbox, business) -> dict[str, Any]:
    """The mirror, the drafts and FreshBooks' invoices, with each FreshBooks id replaced by its
    rank among the ids of its kind at FreshBooks (comparable across two seeds of the same data)."""
    from django.utils.dateparse import parse_datetime

    from invoicing.models import Client, DraftEntry, DraftInvoice, Project, Service, TimeEntry

    control = sandbox.control

    def ranks(objects, key: str = "id") -> dict[int, int]:
        return {object_id: rank for rank, object_id in enumerate(sorted(o[key] for o in objects))}

    remote_entries = control.time_entries(business.business_id)
    started = {e["id"]: e["started_at"] for e in remote_entries}
    entry = ranks(remote_entries)
    client = ranks(control.state(business.account_id, "clients"))
    project = ranks(control.state(business.business_id, "projects"))
    service = ranks(control.state(business.business_id, "services"))

    def rank(table: dict[int, int], object_id: int | None) -> int | None:
        return None if object_id is None else table.get(object_id, -1)

    mine = {"business": business}
    drafts = DraftInvoice.objects.filter(**mine)
    invoices = [i for i in control.invoices(business.account_id) if i.get("vis_state") == 0]
    return {
        "time entries": sorted(
            (
                rank(entry, row.freshbooks_id),
                rank(client, row.client_freshbooks_id),
                rank(project, row.project_freshbooks_id),
                rank(service, row.service_freshbooks_id),
                # The seed places time relative to its own clock, and a running timer's duration
                # grows: compared with FreshBooks' own value rather than across the two runs.
                row.started_at == parse_datetime(started.get(row.freshbooks_id, "")),
                row.duration_seconds if row.is_logged else None,
                row.billable,
                row.billed,
                row.active,
                row.note,
            )
            for row in TimeEntry.objects.filter(**mine)
        ),
        "clients": sorted(
            (rank(client, row.freshbooks_id), row.display_name, row.active)
            for row in Client.objects.filter(**mine)
        ),
        "projects": sorted(
            (rank(project, row.freshbooks_id), row.title, row.active)
            for row in Project.objects.filter(**mine)
        ),
        "services": sorted(
            (rank(service, row.freshbooks_id), row.name, row.active)
            for row in Service.objects.filter(**mine)
        ),
        "drafts": sorted(
            (rank(client, draft.client_freshbooks_id), str(draft.total), draft.state)
            for draft in drafts
        ),
        "drafted entries": sorted(
            rank(entry, entry_id)
            for entry_id in DraftEntry.objects.filter(draft__business=business).values_list(
                "time_entry_freshbooks_id", flat=True
            )
        ),
        "invoices": sorted(
            (
                rank(client, invoice.get("customerid")),
                str((invoice.get("amount") or {}).get("amount")),
            )
            for invoice in invoices
        ),
        "billed at FreshBooks": sorted(
            rank(entry, e["id"]) for e in remote_entries if e.get("billed")
        ),
    }


def differences(first: dict[str, Any], second: dict[str, Any]) -> dict[str, int]:
    """Rows of each part present in one state and not the other."""
    found = {}
    for part in first:
        left, right = first[part], second[part]
        missing = sum(1 for row in left if row not in right)
        extra = sum(1 for row in right if row not in left)
        if missing or extra:
            found[part] = missing + extra
    return found


def drill(*, full: bool) -> DrillResult:
    size = sizes(full)
    with World("faults", env=APP_SETTINGS) as world:
        workers = [world.start_worker(name, concurrency=2) for name in ("a", "b")]
        web, base_url = world.start_web(workers=1, threads=4)
        for worker in workers:
            worker.wait_ready()
        world.wait_web(web, base_url)
        alive = [*workers, web]
        results = {}
        for faulted in (False, True):
            started = time.monotonic()
            business, calls, fired, notes = scenario(
                world, faulted=faulted, size=size, alive=alive, base_url=base_url
            )
            label = "with faults" if faulted else "fault-free"
            results[label] = {
                "state": final_state(world.sandbox, business),
                "invariants": invoice_invariants(world.sandbox, business),
                "calls": calls,
                "fired": fired,
                "seconds": time.monotonic() - started,
            }
            world.notes.append(f"{label}: {calls} API calls, {', '.join(notes)}")
        clean, faulty = results["fault-free"], results["with faults"]
        for label, result in results.items():  # kept with the logs when the drill fails
            path = world.log_dir / f"final-state-{label.replace(' ', '-')}.json"
            path.write_text(json.dumps(result["state"], indent=1, default=str))
        diff = differences(clean["state"], faulty["state"])
        for part, count in diff.items():
            world.notes.append(f"differs from the fault-free run: {part} ({count} rows)")
        world.notes.append(
            "faults fired: " + ", ".join(f"{kind} {n}" for kind, n in faulty["fired"].items())
        )
        once = exactly_once(faulty["invariants"]) and exactly_once(clean["invariants"])
        fired = faulty["fired"]
        return world.result(
            passed=not diff and once and sum(fired.values()) > 0,
            counts={
                "entries": len(faulty["state"]["time entries"]),
                "drafts": faulty["invariants"]["drafts"],
                "state_differences": sum(diff.values()),
                "duplicate_invoices": faulty["invariants"]["duplicate_invoices"],
                "entries_billed_twice": faulty["invariants"]["entries_billed_twice"],
                "calls_fault_free": clean["calls"],
                "calls_with_faults": faulty["calls"],
                "faults_429": fired.get("status 429", 0),
                "faults_5xx": fired.get("status 503", 0),
                "faults_timeout": fired.get("timeout", 0),
            },
            ratios={
                "calls_vs_fault_free": faulty["calls"] / max(1, clean["calls"]),
                "time_vs_fault_free": faulty["seconds"] / max(0.001, clean["seconds"]),
            },
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
