"""Pages at a small and a large mirror: time and query count of each, large against small.

    .venv/bin/python bench/pages.py [--small 100] [--large 100000] [--repeat 3]

Two businesses in one throwaway database, each with its own user: one with ``--small`` unbilled
billable time entries, one with ``--large``, spread over 20 clients in the last 40 days (19 with a
rate rule, so a twentieth of the time is unpriced). For each,
the dashboard, the business page, an invoice-run preview (computed from the mirror, then its page)
and the admin lists of time entries, clients and businesses are served in-process by Django's test
client (the median of ``--repeat`` rounds in which small and large take turns, each round's figure
the median of ``--calls`` calls after one warm-up). Prints the time and query ratios large /
small: a page that stays flat has a time ratio near 1 and the same number of queries.

Pages are timed the way a web process serves them: the process keeps no computed preview (only
its run's pk; garbage collected after each compute), so the cyclic GC's full collections during a
page scan the same heap at both sizes, not a 100,000-entry preview the bench happens to hold.

Besides the warm pages it times the business page and the dashboard on the first view after a
change (their unbilled figures are kept under the billing inputs version, so that view sums the
mirror again), the
not-billed list's second page (sliced out of the stored preview in PostgreSQL), and, beside the
preview compute (which assesses every entry with the billing rules: linear by nature), its
physical floor: reading the same candidate rows from PostgreSQL into Python as tuples.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from harness import bench_database

CLIENTS = 20
# The pages the target (time ratio <= 1.5, equal queries) is about.
FLAT_PAGES = (
    "dashboard",
    "business page",
    "preview page",
    "admin time entries",
    "admin clients",
    "admin businesses",
)


def build_world(size: int, *, label: str):
    """A user, a business with ``size`` unbilled entries over CLIENTS clients, a billing policy."""
    from django.utils import timezone

    from invoicing.models import BillingPolicy, Client, RateRule, TimeEntry
    from tests.factories import ConnectedBusinessFactory, UserFactory

    user = UserFactory(email=f"{label}@bench.example", is_staff=True, is_superuser=True)
    business = ConnectedBusinessFactory(connection__user=user, name=f"{label} business")
    BillingPolicy.objects.update_or_create(
        business=business, defaults={"standard_rate": Decimal("95.00")}
    )
    Client.objects.bulk_create(
        Client(
            business=business,
            freshbooks_id=index + 1,
            display_name=f"Client {index + 1}",
            currency_code="USD",
        )
        for index in range(CLIENTS)
    )
    # Every client but the last has a rate: most time is priced, a twentieth is not.
    RateRule.objects.bulk_create(
        RateRule(business=business, client_freshbooks_id=index + 1, rate=Decimal("120.00"))
        for index in range(CLIENTS - 1)
    )
    now = timezone.now().replace(microsecond=0)
    batch = []
    for index in range(size):
        batch.append(
            TimeEntry(
                business=business,
                freshbooks_id=index + 1,
                client_freshbooks_id=index % CLIENTS + 1,
                started_at=now - timedelta(days=1 + index % 39, minutes=index % 600),
                duration_seconds=900 + index % 8 * 450,
                billable=True,
                note=f"entry {index}",
            )
        )
        if len(batch) == 5000:
            TimeEntry.objects.bulk_create(batch)
            batch = []
    TimeEntry.objects.bulk_create(batch)
    return user, business


def timed(call, repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` calls after a warm-up, and the queries of the last one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    seconds = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), len(queries)


def timed_after(change, call, repeat: int) -> tuple[float, int]:
    """Like `timed`, with `change` made (untimed) before each call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds = []
    for _ in range(repeat):
        change()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), len(queries)


def measure(
    user,
    business,
    repeat: int,
    compute_repeat: int | None = None,
    previews: dict | None = None,
) -> dict[str, tuple[float, int]]:
    """Every figure of one world: the preview compute (unless `previews`, business pk -> run pk,
    already holds a run of this business and `compute_repeat` is 0), then every page."""
    previews = {} if previews is None else previews
    results: dict[str, tuple[float, int]] = {}
    if compute_repeat != 0 or business.pk not in previews:
        computed, previews[business.pk] = measure_compute(business, compute_repeat or repeat)
        release_garbage()
        results.update(computed)
    pages = measure_pages(user, business, repeat, previews[business.pk])
    return {**dict(list(pages.items())[:4]), **results, **dict(list(pages.items())[4:])}


def settle_database() -> None:
    """Vacuum and analyze what was seeded, as autovacuum does in production after a bulk insert.

    This machine's server runs with autovacuum off: without it the planner would plan the large
    mirror with the statistics of an empty table (e.g. sort 100,000 entries for the business
    page's first 50 instead of reading them off the newest-first index), and whether autovacuum
    ran before a page was timed would decide its figure.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def release_garbage() -> None:
    """Collect what a compute left behind, as a web process would have it: a page is served by a
    process that holds no computed preview (the preview of 100,000 entries is millions of
    objects, and every full collection of the cyclic GC during a later page would scan them)."""
    gc.collect()


def preview_options() -> dict[str, str]:
    from datetime import date

    return {
        "period": "custom",
        "start": (date.today() - timedelta(days=60)).isoformat(),
        "end": (date.today() + timedelta(days=1)).isoformat(),
        "grouping": "service",
        "unpriced": "leave_unbilled",
    }


def measure_compute(business, repeat: int) -> tuple[dict[str, tuple[float, int]], int]:
    """The preview compute and its floor; the pk of the last run computed (only the pk is kept)."""
    from django.utils import timezone

    from invoicing.drafts import invoice_run_preview
    from invoicing.selectors import billing_context
    from invoicing.selectors.planning_reads import PLANNED_COLUMNS

    options = preview_options()
    run_pks: list[int] = []

    def preview():
        run = invoice_run_preview(business=business, raw_options=options, refresh=False)
        run_pks.append(run.pk)

    def read_floor():
        today = billing_context.business_today(business, timezone.now())
        billing_options = billing_context.options_for(business, options, today=today)
        entries = billing_context.candidate_entries(business, billing_options)
        list(entries.values_list(*PLANNED_COLUMNS))

    results = {
        "preview (compute)": timed_after(lambda: None, preview, repeat),
        "compute floor: read the rows": timed(read_floor, repeat),
    }
    return results, run_pks[-1]


def measure_pages(user, business, repeat: int, run_pk: int) -> dict[str, tuple[float, int]]:
    """Every page of one world, each timed warm, and the two first views after a change."""
    from django.test import Client as TestClient

    from invoicing.models import RateRule

    browser = TestClient()
    browser.force_login(user)

    def get(url: str):
        def call():
            response = browser.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    def change_a_rate_rule():
        # A write the kept unbilled figures depend on (it moves the inputs version; the same
        # value written again would not).
        RateRule.objects.filter(business=business).update(note=f"bench {uuid.uuid4()}")

    business_url = f"/businesses/{business.pk}/"
    run_url = f"/businesses/{business.pk}/invoices/runs/{run_pk}/"
    return {
        "dashboard": timed(get("/dashboard/"), repeat),
        "business page": timed(get(business_url), repeat),
        "business page, 1st view after a change": timed_after(
            change_a_rate_rule, get(business_url), repeat
        ),
        "dashboard, 1st view after a change": timed_after(
            change_a_rate_rule, get("/dashboard/"), repeat
        ),
        "preview page": timed(get(run_url), repeat),
        "preview page, not billed p.2": timed(get(run_url + "?not_billed_page=2"), repeat),
        "admin time entries": timed(get("/admin/invoicing/timeentry/"), repeat),
        "admin clients": timed(get("/admin/invoicing/client/"), repeat),
        "admin businesses": timed(get("/admin/connections/connectedbusiness/"), repeat),
    }


def preview_page_rows(run_pk: int) -> tuple[int, int]:
    """How many entries and not-billed rows the preview page of a run lists."""
    from invoicing.models import InvoiceRun

    page = InvoiceRun.objects.values_list("preview_page", flat=True).get(pk=run_pk) or {}
    entries = sum(
        len(line.get("entries", []))
        for draft in page.get("drafts", [])
        for line in draft.get("lines", [])
    )
    return entries, len(page.get("not_billed", []))


def _medians(rounds: list[dict[str, tuple[float, int]]]) -> dict[str, tuple[float, int]]:
    """Per figure (in the first round's order), the median time and the last query count."""
    return {
        name: (
            statistics.median(figures[name][0] for figures in rounds if name in figures),
            [figures[name][1] for figures in rounds if name in figures][-1],
        )
        for name in rounds[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--calls",
        type=int,
        default=3,
        help="timed calls of each page a round (their median is the round's figure)",
    )
    parser.add_argument(
        "--compute-repeat",
        type=int,
        default=None,
        help="times the preview compute and its floor are run, in the first round (default 1)",
    )
    args = parser.parse_args()

    with bench_database():
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        worlds = {
            "small": build_world(args.small, label="small"),
            "large": build_world(args.large, label="large"),
        }
        settle_database()
        release_garbage()
        # Small and large take turns, one round each at a time, so a change of the machine's load
        # during the run falls on both sizes alike; each figure is the median over the rounds.
        previews: dict = {}
        rounds: dict[str, list[dict[str, tuple[float, int]]]] = {"small": [], "large": []}
        for number in range(args.repeat):
            for size, world in worlds.items():
                compute_repeat = (args.compute_repeat or 1) if number == 0 else 0
                rounds[size].append(measure(*world, args.calls, compute_repeat, previews))
        small, large = (_medians(rounds[size]) for size in ("small", "large"))
        shown = {size: preview_page_rows(previews[world[1].pk]) for size, world in worlds.items()}

    print(
        f"pages with {args.small} vs {args.large} unbilled time entries "
        f"(median of {args.repeat} alternating rounds of {args.calls} calls each)"
    )
    worst = 0.0
    for name, (small_seconds, small_queries) in small.items():
        large_seconds, large_queries = large[name]
        ratio = large_seconds / small_seconds
        if name in FLAT_PAGES:
            worst = max(worst, ratio)
        print(
            f"{name:20} {small_seconds * 1000:8.1f} ms -> {large_seconds * 1000:8.1f} ms "
            f"(time ratio {ratio:5.2f}x); queries {small_queries} -> {large_queries}"
            f"{'' if small_queries == large_queries else '  QUERY COUNT GROWS'}"
        )
    print(f"worst time ratio large / small of the pages ({', '.join(FLAT_PAGES)}): {worst:.2f}x")
    print(
        "preview page content (entries listed under the lines, not-billed rows): "
        f"small {shown['small']}, large {shown['large']}; a small preview cannot fill a page "
        "(10 entries a line, 25 not-billed rows), past that the page holds no more"
    )
    for size, figures in (("small", small), ("large", large)):
        compute = figures["preview (compute)"][0]
        floor = figures["compute floor: read the rows"][0]
        print(
            f"preview compute / its floor (reading the same rows), {size}: {compute / floor:.1f}x"
        )


if __name__ == "__main__":
    main()
