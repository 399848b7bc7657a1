"""Profile webhook ingest in one process: where a delivery's CPU time goes, and its queries.

    .venv/bin/python bench/profile_webhook.py [--requests 500] [--html profile.html]

Sets up the same world as ``bench/webhooks.py`` (a throwaway database, the sandbox, a connected
business with a verified ``time_entry`` subscription), then sends ``--requests`` validly signed
deliveries through Django's full WSGI handler (every middleware, the URL resolver, the view) with
``django.test.Client``, under pyinstrument. Prints the call tree, the mean time per request, and
the SQL statements of one request. The database connection is kept across requests, as gunicorn
keeps it with ``CONN_MAX_AGE``.
"""

from __future__ import annotations

import argparse
import time

from webhooks import in_process_world, signed_deliveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()

    with in_process_world("profile", objects=20) as (business, entry_ids, verifier):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from pyinstrument import Profiler

        deliveries = signed_deliveries(business, entry_ids, verifier, args.warmup + args.requests)
        url = f"/webhooks/freshbooks/{business.webhook_token}/"
        client = Client()

        def post(delivery) -> None:
            response = client.generic(
                "POST",
                url,
                delivery.body,
                content_type=delivery.headers["Content-Type"],
                headers={"X-FreshBooks-Hmac-SHA256": delivery.headers["X-FreshBooks-Hmac-SHA256"]},
            )
            assert response.status_code == 200, response.content

        for delivery in deliveries[: args.warmup]:
            post(delivery)
        with CaptureQueriesContext(connection) as queries:
            post(deliveries[args.warmup])
        # Read now: the next requests clear the connection's query log the capture slices.
        statements = [query["sql"] for query in queries.captured_queries]
        measured = deliveries[args.warmup + 1 :]
        profiler = Profiler(interval=0.0002)
        started = time.perf_counter()
        cpu_started = time.process_time()
        with profiler:
            for delivery in measured:
                post(delivery)
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - started
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            with open(args.html, "w") as out:
                out.write(profiler.output_html())
        print(
            f"{len(measured)} requests: {wall / len(measured) * 1000:.2f} ms wall, "
            f"{cpu / len(measured) * 1000:.2f} ms CPU per request (under pyinstrument)"
        )
        print(f"{len(statements)} SQL statements for one delivery:")
        for statement in statements:
            print("  ", statement[:200])


if __name__ == "__main__":
    main()
