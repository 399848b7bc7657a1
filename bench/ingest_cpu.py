"""Where a webhook delivery's CPU goes, one delivery at a time, split between Python and PostgreSQL.

    .venv/bin/python bench/ingest_cpu.py [--deliveries 3000] [--rounds 2]

``bench/webhooks.py`` measures throughput under gunicorn, where two CPUs are shared by the load
generator, the web processes and PostgreSQL, so it cannot say which side a gap is on. This one
runs in one process and one thread on the same world (a throwaway database, the sandbox, a
connected business with a verified subscription) and times, per delivery, this process's CPU and
the CPU of its PostgreSQL backend (from ``/proc``, so PostgreSQL must run on this host):

- ``floor``: the bench's physical floor, one INSERT of the body into a table of three columns
  (``webhook_bare_urls.floor``), in autocommit;
- ``same row``: the delivery row the endpoint stores (same table, its indexes and foreign keys),
  inserted by a plain ``INSERT … VALUES`` with Django's cursor, in autocommit: what storing the
  row costs, with no check;
- ``endpoint``: ``webhook_delivery_receive`` for a validly signed delivery: parsing, signature,
  the key-checked insert that also wakes the worker (``connections.webhooks.intake``).

Prints microseconds per delivery and each one's ratio to the floor, measured in the same run.
No HTTP and no middleware: those cost the same for the bare view, the floor and the endpoint.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from webhooks import SIGNATURE_HEADER, create_floor_table, in_process_world, signed_deliveries

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process on this host, or None when it is not here."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=3000, help="measured, per kind a round")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    with in_process_world("ingest-cpu", objects=50) as (business, entry_ids, verifier):
        from django.db import connection

        from connections.models import WebhookDelivery
        from connections.webhooks.deliveries import IncomingDelivery
        from connections.webhooks.ingest import webhook_delivery_receive
        from connections.webhooks.intake import _stored_fields

        create_floor_table()
        deliveries = signed_deliveries(business, entry_ids, verifier, args.warmup + args.deliveries)
        token = business.webhook_token

        def incoming(delivery) -> IncomingDelivery:
            return IncomingDelivery(
                body=delivery.body,
                content_type=delivery.headers["Content-Type"],
                headers={
                    "Host": "127.0.0.1",
                    "Content-Type": delivery.headers["Content-Type"],
                    SIGNATURE_HEADER: delivery.headers[SIGNATURE_HEADER],
                },
                remote_ip="127.0.0.1",
            )

        def endpoint(delivery) -> None:
            answer = webhook_delivery_receive(token=token, incoming=incoming(delivery))
            if answer.status_code != 200:
                raise SystemExit(f"the endpoint refused a valid delivery: {answer}")

        def floor(delivery) -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_floor (body) VALUES (%s)", [delivery.body.decode()]
                )

        endpoint(deliveries[0])  # one stored row to copy for "same row"
        stored = WebhookDelivery.objects.filter(business=business).latest("pk")
        fields = _stored_fields()
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        plain_insert = (
            f"INSERT INTO {connection.ops.quote_name(WebhookDelivery._meta.db_table)} "  # noqa: S608
            f"({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        )
        row_values = [
            field.get_db_prep_save(getattr(stored, field.attname), connection) for field in fields
        ]

        def same_row(delivery) -> None:
            with connection.cursor() as cursor:
                cursor.execute(plain_insert, row_values)

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        if backend_cpu_seconds(backend) is None:
            raise SystemExit("PostgreSQL's backend is not on this host: its CPU cannot be read")

        kinds = {"floor": floor, "same row": same_row, "endpoint": endpoint}
        totals = {kind: [0.0, 0.0, 0.0] for kind in kinds}
        for round_index in range(args.rounds):
            order = list(kinds) if round_index % 2 == 0 else list(reversed(kinds))
            for kind in order:
                send = kinds[kind]
                for delivery in deliveries[: args.warmup]:
                    send(delivery)
                python, database = time.process_time(), backend_cpu_seconds(backend)
                wall = time.perf_counter()
                for delivery in deliveries[args.warmup :]:
                    send(delivery)
                totals[kind][0] += time.process_time() - python
                totals[kind][1] += backend_cpu_seconds(backend) - database
                totals[kind][2] += time.perf_counter() - wall

    count = args.deliveries * args.rounds
    print(
        f"{count} deliveries per kind in {args.rounds} alternating rounds, one thread; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    floor_python, floor_database, floor_wall = (value / count for value in totals["floor"])
    for kind, (python, database, wall) in totals.items():
        python, database, wall = python / count, database / count, wall / count
        print(
            f"{kind:9} Python {python * 1e6:5.0f} us ({python / floor_python:4.2f}x the floor), "
            f"PostgreSQL {database * 1e6:5.0f} us ({database / floor_database:4.2f}x), "
            f"wall {wall * 1e6:5.0f} us ({wall / floor_wall:4.2f}x) per delivery"
        )


if __name__ == "__main__":
    main()
