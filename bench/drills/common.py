"""What every drill shares, in one import: its own world (database, Redis keys, sandbox, app
processes, a connected business), waiting for convergence, the invariants checked at the end and
the result line.

A drill module ``bench/drills/<name>.py`` defines

    def drill(*, full: bool) -> DrillResult:      # the body; runs in a fresh Python process
        with World("<name>") as world:
            business = world.connect_business(clients=6, time_entries=200)
            world.start_worker("a")
            ...
            return world.result(passed=..., counts=..., ratios=...)

    def run(*, full: bool = False) -> DrillResult:
        return isolated(__name__, full=full)

Where each part lives:

- ``_results``: ``DrillResult``, ``in_tests`` and ``isolated`` (the drill in a child process of
  its own, ``python -m bench.drills._child``, so each drill sets Django up on its own database);
- ``_processes``: ``wait_for``, ``AppProcess`` (gunicorn, workers, beat: kill, restart) and
  ``PrivateRedis`` (a Redis that can lose everything);
- ``_world``: ``World``, the set-up and tear-down of a drill's database, Redis keys, sandbox and
  app processes;
- ``_actors``: what people and FreshBooks do (invoice runs, signed-in pages, signed webhooks);
- ``_invariants``: what is checked at the end (exactly once, the mirror, deliveries settled).

The sandbox, the app's settings for it, the connected business and the process helpers come from
bench/harness.py and tests/plugins/, so drills, benchmarks and tests set up the same way.
"""

from __future__ import annotations

from bench.drills._actors import (
    WebhookSender,
    period_options,
    signed_in_session,
    start_invoice_run,
)
from bench.drills._invariants import (
    UNSETTLED_DELIVERY_STATES,
    deliveries_by_status,
    deliveries_unsettled,
    drafts_by_state,
    exactly_once,
    invoice_invariants,
    mirror_differences,
    runs_unfinished,
)
from bench.drills._processes import (
    REPO_ROOT,
    AppProcess,
    DrillError,
    PrivateRedis,
    http_get_ok,
    wait_for,
)
from bench.drills._results import (
    FULL_TIMEOUT,
    IN_TESTS_ENV,
    INHERITED_APP_ENV,
    SMALL_TIMEOUT,
    DrillResult,
    child_main,
    in_tests,
    isolated,
)
from bench.drills._world import ALL_QUEUES, DEFAULT_REDIS_URL, World

__all__ = [
    "ALL_QUEUES",
    "DEFAULT_REDIS_URL",
    "FULL_TIMEOUT",
    "IN_TESTS_ENV",
    "INHERITED_APP_ENV",
    "REPO_ROOT",
    "SMALL_TIMEOUT",
    "UNSETTLED_DELIVERY_STATES",
    "AppProcess",
    "DrillError",
    "DrillResult",
    "PrivateRedis",
    "WebhookSender",
    "World",
    "child_main",
    "deliveries_by_status",
    "deliveries_unsettled",
    "drafts_by_state",
    "exactly_once",
    "http_get_ok",
    "in_tests",
    "invoice_invariants",
    "isolated",
    "mirror_differences",
    "period_options",
    "runs_unfinished",
    "signed_in_session",
    "start_invoice_run",
    "wait_for",
]
