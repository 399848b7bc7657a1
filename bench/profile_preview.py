"""Profile the preview compute in one process: where planning a large preview spends its time.

    .venv/bin/python bench/profile_preview.py [--entries 10000] [--repeat 3] [--profile]
        [--html profile.html] [--dump preview.json]

Builds the large world of ``bench/pages.py`` (``--entries`` unbilled entries over 20 clients, a
twentieth unpriced) in a throwaway database, then times ``invoice_run_preview`` (as the pages
bench does) beside its floor (reading the same candidate rows into Python), the median of
``--repeat`` rounds taken in turn. With ``--profile`` one more preview runs under pyinstrument and
its call tree is printed. ``--dump`` writes the stored preview (without its ``made_at``) as JSON,
to compare two versions of the code on the same data.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from harness import bench_database
from pages import build_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--queries", action="store_true", help="time each statement of a preview")
    parser.add_argument(
        "--cprofile", action="store_true", help="also profile one preview with cProfile (self time)"
    )
    parser.add_argument("--dump", help="write the stored preview as JSON here")
    parser.add_argument(
        "--now",
        help="an ISO instant taken as now (the world and the period are built from it), so two "
        "versions of the code dump the same preview",
    )
    args = parser.parse_args()

    with bench_database():
        from datetime import date, datetime, timedelta

        from django.utils import timezone

        if args.now:
            fixed = datetime.fromisoformat(args.now)
            timezone.now = lambda: fixed  # type: ignore[assignment]

        from invoicing.drafts import invoice_run_preview
        from invoicing.selectors import billing_context
        from invoicing.selectors.planning_reads import PLANNED_COLUMNS

        _, business = build_world(args.entries, label="large")
        today = timezone.now().date() if args.now else date.today()
        options = {
            "period": "custom",
            "start": (today - timedelta(days=60)).isoformat(),
            "end": (today + timedelta(days=1)).isoformat(),
            "grouping": "service",
            "unpriced": "leave_unbilled",
        }

        def preview():
            import gc
            import os

            if os.environ.get("GC_OFF"):
                gc.disable()
            try:
                return invoice_run_preview(business=business, raw_options=options, refresh=False)
            finally:
                gc.enable()

        def read_floor():
            today = billing_context.business_today(business, timezone.now())
            billing_options = billing_context.options_for(business, options, today=today)
            entries = billing_context.candidate_entries(business, billing_options)
            list(entries.values_list(*PLANNED_COLUMNS))

        run = preview()
        read_floor()
        computes, floors, compute_cpu, floor_cpu = [], [], [], []
        for _ in range(args.repeat):
            for call, walls, cpus in (
                (preview, computes, compute_cpu),
                (read_floor, floors, floor_cpu),
            ):
                started, started_cpu = time.perf_counter(), time.process_time()
                call()
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - started_cpu)
        compute, floor = statistics.median(computes), statistics.median(floors)
        cpu, cpu_floor = statistics.median(compute_cpu), statistics.median(floor_cpu)
        print(
            f"{args.entries} entries: preview compute {compute * 1000:.1f} ms, floor "
            f"{floor * 1000:.1f} ms, compute / floor {compute / floor:.2f}x; this process's CPU "
            f"{cpu * 1000:.1f} ms vs {cpu_floor * 1000:.1f} ms ({cpu / cpu_floor:.2f}x)"
        )
        if args.dump:
            document = {
                "preview": {key: value for key, value in run.preview.items() if key != "made_at"},
                "preview_page": {
                    key: value for key, value in run.preview_page.items() if key != "made_at"
                },
            }
            with open(args.dump, "w") as handle:
                json.dump(document, handle, indent=1, sort_keys=True, default=str)
        if args.queries:
            from django.db import connection

            spent: list[tuple[float, str]] = []

            def timer(execute, sql, params, many, context):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent.append((time.perf_counter() - started, sql))

            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                preview()
                whole = time.perf_counter() - started
            print(f"one preview {whole * 1000:.1f} ms; its statements (executing, not fetching):")
            for seconds, sql in spent:
                print(f"  {seconds * 1000:8.1f} ms  {sql[:110]}")
        if args.cprofile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(preview)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            preview()
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            if args.html:
                with open(args.html, "w") as handle:
                    handle.write(profiler.output_html())


if __name__ == "__main__":
    main()
