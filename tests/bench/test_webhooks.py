"""bench/webhooks.py at a tiny size: both servers and the floor answer, and every delivery the
endpoint accepted is processed (the script fails otherwise)."""


def test_every_accepted_delivery_is_processed_and_the_ratios_are_printed(run_bench):
    output = run_bench(
        "webhooks",
        *("--requests", "40", "--warmup", "10", "--objects", "5", "--concurrency", "4"),
        *("--workers", "1", "--threads", "2", "--worker-concurrency", "1"),
    )

    assert "every accepted delivery was processed: 50 answered 200 ok" in output
    assert "ingest / bare: throughput" in output
    assert "ingest / floor: throughput" in output
