"""Refresh race: 4 worker processes x 8 concurrent calls on an expired token.

FreshBooks refresh tokens work once, so if two callers refresh the same identity, the second gets
``invalid_grant`` and could wrongly declare the connection dead. Each round expires every token at
the sandbox (``/_sandbox/tokens/expire``), then 4 processes, set up as a worker is (Django on the
drill's database, Redis and sandbox), each start 8 threads that wait on one barrier across all 32
and make a FreshBooks call at once with a client of their own (as 32 concurrent tasks would):
``/me``, clients, projects, time entries. Rounds alternate between a token FreshBooks refuses with
401 while the app thinks it fresh (the refresh-after-401 path) and a token the app also sees as
expired (the refresh-ahead-of-expiry path).

Checks, for each round: exactly one ``POST /auth/oauth/token`` at the sandbox (its call counters),
every call answered, no ``invalid_grant`` and the identity still active with no failure recorded.

Small: 2 rounds. Full: 10 rounds. In the test-suite: 1 round (the refresh after a 401).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter

from bench.drills.common import DrillResult, World, in_tests, isolated

PROCESSES = 4
CALLS_PER_PROCESS = 8
REFRESH_ROUTE = "POST /auth/oauth/token"  # the sandbox's call counter key
EXPIRED_WHERE = ("only_at_freshbooks", "locally")


def _one_call(identity_pk: int, business, index: int) -> str:
    """A FreshBooks call a worker could make; which one depends on ``index``."""
    from connections.freshbooks.errors import FreshBooksError
    from connections.models import FreshBooksIdentity
    from connections.services.freshbooks_api import api_client_for
    from connections.services.tokens import ReauthorizationRequired

    identity = FreshBooksIdentity.objects.get(pk=identity_pk)
    try:
        with api_client_for(identity) as client:
            kind = index % 4
            if kind == 0:
                client.me()
            elif kind == 1:
                next(iter(client.iter_client_pages(business.account_id)))
            elif kind == 2:
                next(iter(client.iter_project_pages(business.business_id)))
            else:
                next(iter(client.iter_time_entry_pages(business.business_id)))
        return "ok"
    except ReauthorizationRequired:
        return "invalid_grant"
    except FreshBooksError as error:
        return f"error: {type(error).__name__}: {error}"[:300]
    except Exception as error:  # counted, then reported as the drill's failure
        return f"crash: {type(error).__name__}: {error}"[:300]
    finally:
        from django.db import connection

        connection.close()


def worker_process(env: dict[str, str], identity_pk: int, business_pk: int, barrier, results):
    """One worker process: Django as a worker sets it up, then 8 threads calling at once."""
    import os

    os.environ.update(env)
    import django

    django.setup()
    from connections.models import ConnectedBusiness

    business = ConnectedBusiness.objects.get(pk=business_pk)
    outcomes: list[str] = []

    def call(index: int) -> None:
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            outcomes.append("crash: the barrier broke")
            return
        outcomes.append(_one_call(identity_pk, business, index))

    threads = [
        threading.Thread(target=call, args=(index,), daemon=True)
        for index in range(CALLS_PER_PROCESS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    results.put(outcomes + ["crash: a call never returned"] * (CALLS_PER_PROCESS - len(outcomes)))


def race_round(world: World, business, identity, *, expired_where: str) -> tuple[int, Counter]:
    """Expire the tokens, let 32 callers race; the refreshes the sandbox saw and the outcomes."""
    from datetime import timedelta

    from django.utils import timezone

    from connections.models import FreshBooksIdentity

    control = world.sandbox.control
    control.expire_tokens()
    if expired_where == "locally":
        FreshBooksIdentity.objects.filter(pk=identity.pk).update(
            access_token_expires_at=timezone.now() - timedelta(minutes=1)
        )
    control.reset_calls()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES * CALLS_PER_PROCESS)
    results = context.Queue()
    env = world.app_env()
    processes = [
        context.Process(
            target=worker_process, args=(env, identity.pk, business.pk, barrier, results)
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes: Counter = Counter()
    try:
        for _ in processes:
            outcomes.update(results.get(timeout=300))
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return control.calls().get(REFRESH_ROUTE, 0), outcomes


def drill(*, full: bool) -> DrillResult:
    rounds = 1 if in_tests() else 10 if full else 2
    with World("refresh_race") as world:
        business = world.connect_business(sync=False, clients=3, time_entries=20)
        identity = business.connection.identity
        refreshes: list[int] = []
        outcomes: Counter = Counter()
        started = time.monotonic()
        for index in range(rounds):
            expired_where = EXPIRED_WHERE[index % 2]
            count, round_outcomes = race_round(
                world, business, identity, expired_where=expired_where
            )
            refreshes.append(count)
            outcomes.update(round_outcomes)
            world.notes.append(
                f"round {index + 1} (expired {expired_where.replace('_', ' ')}): "
                f"{count} refresh(es), {round_outcomes.get('ok', 0)}/"
                f"{PROCESSES * CALLS_PER_PROCESS} calls ok"
            )
        racing = time.monotonic() - started
        identity.refresh_from_db()
        failures = {outcome: n for outcome, n in outcomes.items() if outcome != "ok"}
        for outcome, n in failures.items():
            world.notes.append(f"{n} x {outcome}")
        healthy = identity.state == identity.State.ACTIVE and identity.consecutive_failures == 0
        calls = rounds * PROCESSES * CALLS_PER_PROCESS
        return world.result(
            passed=all(count == 1 for count in refreshes) and not failures and healthy,
            counts={
                "rounds": rounds,
                "calls": calls,
                "calls_ok": outcomes.get("ok", 0),
                "refreshes": sum(refreshes),
                "invalid_grant": outcomes.get("invalid_grant", 0),
                "identity_healthy": int(healthy),
            },
            ratios={
                "refreshes_per_round": sum(refreshes) / rounds,
                "seconds_per_round": racing / rounds,
            },
        )


def run(*, full: bool = False) -> DrillResult:
    return isolated(__name__, full=full)
