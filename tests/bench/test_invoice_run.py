"""bench/invoice_run.py at a tiny size: every draft is created with the minimum of API writes and
no reconciliation lookup."""

import re


def test_every_draft_is_done_with_the_minimum_of_calls(run_bench):
    output = run_bench(
        "invoice_run",
        *("--entries", "30", "--clients", "3", "--latency-ms", "5"),
        *("--workers", "1", "--concurrency", "2"),
    )

    assert "(['done'])" in output
    calls = re.search(r"invoice lookups (\d+), .*; writes (\d+) vs minimum (\d+)", output)
    assert calls is not None, output
    lookups, writes, minimum = calls.groups()
    assert (lookups, writes) == ("0", minimum)
    assert "wall time (create to done)" in output
