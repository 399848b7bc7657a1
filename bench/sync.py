"""Full sync throughput, API calls and memory, against the sandbox with added latency.

    .venv/bin/python bench/sync.py [--entries 50000] [--baseline-entries 5000] [--latency-ms 20]
                                   [--sdk]

Prints entries per second, the time-entry list calls against the minimum (one per page of 100),
the wall time against the floor set by latency (calls × latency) and, for each size, the time to
store every page alone (the same statements, 4 pages each, no network: the database's floor). The
sync is timed untraced; its peak Python memory comes from a second full sync of the same entries
under ``tracemalloc`` (which slows Python twofold), large against baseline (flat memory: a ratio
near 1). With ``--sdk``, the peer: the official ``freshbooks-sdk`` (a bench-only dependency)
pointed at the same sandbox with ``FRESHBOOKS_API_URL``, only listing each size's time entries
page by page with the same latency; the app's whole sync should take no longer than that listing.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc

from harness import bench_database, bench_sandbox, connect_first_business, point_app_at

TIME_ENTRIES_ROUTE = "GET /timetracking/business/{bid}/time_entries"


def measure_full_sync(sandbox, *, entries: int, latency_ms: int, trace_memory: bool = True) -> dict:
    from invoicing.models import SyncRun, TimeEntry
    from invoicing.sync.runs import sync_run_execute

    # The seed spreads entries over its two owned businesses; ask for twice as many.
    business = connect_first_business(sandbox, time_entries=entries * 2, months=3)
    control = sandbox.control
    expected = len(control.time_entries(business.business_id))
    control.clear_faults()
    control.add_fault(method="*", path=None, kind="latency", latency_ms=latency_ms)
    control.reset_calls()
    run = SyncRun.objects.create(business=business, kind=SyncRun.Kind.FULL, trigger="bench")

    started = time.perf_counter()
    run = sync_run_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started

    calls = control.calls()
    mirrored = TimeEntry.objects.filter(business=business).count()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert mirrored == expected, (mirrored, expected)
    peak = 0
    if trace_memory:
        again = SyncRun.objects.create(business=business, kind=SyncRun.Kind.FULL, trigger="bench")
        tracemalloc.start()
        again = sync_run_execute(run_id=again.pk)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert again.status == SyncRun.Status.SUCCEEDED, again.error
    return {
        "business": business,
        "entries": expected,
        "seconds": elapsed,
        "peak_bytes": peak,
        "time_entry_calls": calls.get(TIME_ENTRIES_ROUTE, 0),
        "time_entry_pages": math.ceil(expected / 100),
        "total_calls": calls["total"],
    }


def measure_storing_alone(business) -> float:
    """Seconds to store every time-entry page of ``business`` again, into a business of its own
    (new rows, as in the timed sync), by the sync's own statement, with no network: the database
    side's floor. Pages go 4 to a statement, as the sync stores them when storing is slower than
    reading (`invoicing.sync.context.walk`). Each page is read from the mirror untimed, so memory
    stays flat."""
    from connections.freshbooks import Page
    from invoicing.models import SyncRun, TimeEntry
    from invoicing.sync import mappers
    from invoicing.sync.context import SyncContext
    from invoicing.sync.readahead import PAGE_WINDOW
    from invoicing.sync.store import mirror_map
    from tests.factories import ConnectedBusinessFactory

    copy = ConnectedBusinessFactory()
    run = SyncRun.objects.create(business=copy, kind=SyncRun.Kind.FULL, trigger="bench")
    context = SyncContext(run=run, business=copy, client=None, keep_alive=lambda: None)
    mirror = TimeEntry.objects.filter(business=business).order_by("freshbooks_id")
    seconds, after, number, batch = 0.0, 0, 0, []
    while True:
        raws = list(mirror.filter(freshbooks_id__gt=after).values_list("raw", flat=True)[:100])
        if raws:
            number += 1
            after = raws[-1]["id"]
            page = Page(items=raws, page=number, pages=number + 1, total=0, per_page=100)
            batch.append((page, raws))
        if batch and (len(batch) == PAGE_WINDOW or not raws):
            started = time.perf_counter()
            mapped = [
                (page, mirror_map(items, mappers.time_entry_columns, object_name="time_entry"))
                for page, items in batch
            ]
            context.store_pages(
                stage="time_entries", pages=mapped, model=TimeEntry, key="freshbooks_id"
            )
            seconds += time.perf_counter() - started
            batch = []
        if not raws:
            break
    assert TimeEntry.objects.filter(business=copy).count() == mirror.count()
    return seconds


def measure_sdk_listing(sandbox, business, *, expected: int) -> float:
    """Seconds the official SDK takes to list every time entry of the business, 100 a page."""
    os.environ["FRESHBOOKS_API_URL"] = sandbox.url
    from freshbooks import Client, FilterBuilder, PaginateBuilder

    business.refresh_from_db()
    sdk = Client(
        client_id=sandbox.client_id,
        access_token=business.connection.identity.access_token,
        auto_retry=False,
    )
    # The same listing the app's sync asks for: every member's entries, deleted and running ones.
    filters = (
        FilterBuilder()
        .boolean("include_deleted", True)
        .boolean("include_unlogged", True)
        .boolean("team", True)
    )
    listed, page = 0, 1
    started = time.perf_counter()
    while True:
        result = sdk.time_entries.list(
            business.business_id, builders=[filters, PaginateBuilder(page, 100)]
        )
        listed += len(result.data["time_entries"])
        if page >= result.pages.pages:
            break
        page += 1
    elapsed = time.perf_counter() - started
    assert listed == expected, (listed, expected)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--baseline-entries", type=int, default=5_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--sdk", action="store_true", help="time the official SDK's listing too")
    args = parser.parse_args()

    results = {}
    with bench_database(), bench_sandbox() as sandbox:
        point_app_at(sandbox)
        for label, entries in (("baseline", args.baseline_entries), ("large", args.entries)):
            result = measure_full_sync(sandbox, entries=entries, latency_ms=args.latency_ms)
            if args.sdk:
                result["sdk_seconds"] = measure_sdk_listing(
                    sandbox, result["business"], expected=result["entries"]
                )
            result["store_seconds"] = measure_storing_alone(result["business"])
            results[label] = result

    for label, result in results.items():
        floor = result["total_calls"] * args.latency_ms / 1000
        call_ratio = result["time_entry_calls"] / result["time_entry_pages"]
        print(
            f"{label:8} {result['entries']:>7} entries in {result['seconds']:6.2f}s "
            f"= {result['entries'] / result['seconds']:8.0f} entries/s; "
            f"time-entry calls {result['time_entry_calls']} vs minimum "
            f"{result['time_entry_pages']} (ratio {call_ratio:.2f}); "
            f"all calls {result['total_calls']}; "
            f"wall vs latency floor {result['seconds'] / floor:.2f}x; "
            f"peak Python memory {result['peak_bytes'] / 1e6:.1f} MB"
        )
        store = result["store_seconds"]
        print(
            f"{'':8} storing its {result['time_entry_pages']} time-entry pages alone (durably, no "
            f"network): {store:.2f}s = {store / floor:.2f}x the latency floor, "
            f"{store / result['seconds']:.2f} of the sync's wall"
        )
        if "sdk_seconds" in result:
            sdk_seconds = result["sdk_seconds"]
            print(
                f"{'':8} freshbooks-sdk only listing the same {result['entries']} entries: "
                f"{sdk_seconds:.2f}s = {result['entries'] / sdk_seconds:.0f} entries/s "
                f"({sdk_seconds / floor:.2f}x the sync's latency floor); the app's whole sync is "
                f"{sdk_seconds / result['seconds']:.2f}x as fast"
            )
    large, baseline = results["large"], results["baseline"]
    print(
        f"peak memory ratio large/baseline: {large['peak_bytes'] / baseline['peak_bytes']:.2f} "
        f"for {large['entries'] / baseline['entries']:.0f}x the entries; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
