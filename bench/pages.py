"""Pages at a small and a large mirror: time and query count of each, large against small.

    .venv/bin/python bench/pages.py [--small 100] [--large 100000] [--repeat 3]

Two businesses in one throwaway database, each with its own user: one with ``--small`` unbilled
billable time entries, one with ``--large``, spread over 20 clients in the last 40 days (19 with a
rate rule, so a twentieth of the time is unpriced). For each,
the dashboard, the business page, an invoice-run preview (computed from the mirror, then its page)
and the admin lists of time entries, clients and businesses are served in-process by Django's test
client (the median of ``--repeat`` rounds in which small and large take turns, each call after
one warm-up). Prints the time and query ratios large /
small: a page that stays flat has a time ratio near 1 and the same number of queries.

Besides the warm pages it times the business page on the first view after a change (its unbilled
estimate is kept under the billing inputs version, so that view sums the mirror again), the
not-billed list's second page (sliced out of the stored preview in PostgreSQL), and, beside the
preview compute (which assesses every entry with the billing rules: linear by nature), its
physical floor: reading the same candidate rows from PostgreSQL into Python as tuples.
"""

from __future__ import annotations

import argparse
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
    """Every page of one world. `previews` (business pk -> run) keeps the computed preview:
    with `compute_repeat=0` and a kept preview, the compute is not timed again."""
    from datetime import date

    from django.test import Client as TestClient
    from django.utils import timezone

    from invoicing.drafts import invoice_run_preview
    from invoicing.models import RateRule
    from invoicing.selectors import billing_context
    from invoicing.selectors.planning_reads import PLANNED_COLUMNS

    browser = TestClient()
    browser.force_login(user)

    def get(url: str):
        def call():
            response = browser.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    options = {
        "period": "custom",
        "start": (date.today() - timedelta(days=60)).isoformat(),
        "end": (date.today() + timedelta(days=1)).isoformat(),
        "grouping": "service",
        "unpriced": "leave_unbilled",
    }
    runs = []

    def preview():
        runs.append(invoice_run_preview(business=business, raw_options=options, refresh=False))

    def change_a_rate_rule():
        # A write the business page's kept estimate depends on (it moves the inputs version; the
        # same value written again would not).
        RateRule.objects.filter(business=business).update(note=f"bench {uuid.uuid4()}")

    def read_floor():
        today = billing_context.business_today(business, timezone.now())
        billing_options = billing_context.options_for(business, options, today=today)
        entries = billing_context.candidate_entries(business, billing_options)
        list(entries.values_list(*PLANNED_COLUMNS))

    business_url = f"/businesses/{business.pk}/"
    results = {
        "dashboard": timed(get("/dashboard/"), repeat),
        "business page": timed(get(business_url), repeat),
        "business page, 1st view after a change": timed_after(
            change_a_rate_rule, get(business_url), repeat
        ),
    }
    previews = {} if previews is None else previews
    if compute_repeat != 0 or business.pk not in previews:
        results["preview (compute)"] = timed_after(lambda: None, preview, compute_repeat or repeat)
        results["compute floor: read the rows"] = timed(read_floor, compute_repeat or repeat)
        previews[business.pk] = runs[-1]
    run_url = f"/businesses/{business.pk}/invoices/runs/{previews[business.pk].pk}/"
    results["preview page"] = timed(get(run_url), repeat)
    results["preview page, not billed p.2"] = timed(get(run_url + "?not_billed_page=2"), repeat)
    results["admin time entries"] = timed(get("/admin/invoicing/timeentry/"), repeat)
    results["admin clients"] = timed(get("/admin/invoicing/client/"), repeat)
    results["admin businesses"] = timed(get("/admin/connections/connectedbusiness/"), repeat)
    return results


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
        # Small and large take turns, one round each at a time, so a change of the machine's load
        # during the run falls on both sizes alike; each figure is the median over the rounds.
        previews: dict = {}
        rounds: dict[str, list[dict[str, tuple[float, int]]]] = {"small": [], "large": []}
        for number in range(args.repeat):
            for size, world in worlds.items():
                compute_repeat = (args.compute_repeat or 1) if number == 0 else 0
                rounds[size].append(measure(*world, 1, compute_repeat, previews))
        small, large = (_medians(rounds[size]) for size in ("small", "large"))

    print(
        f"pages with {args.small} vs {args.large} unbilled time entries "
        f"(median of {args.repeat} alternating rounds)"
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
    for size, figures in (("small", small), ("large", large)):
        compute = figures["preview (compute)"][0]
        floor = figures["compute floor: read the rows"][0]
        print(
            f"preview compute / its floor (reading the same rows), {size}: {compute / floor:.1f}x"
        )


if __name__ == "__main__":
    main()
