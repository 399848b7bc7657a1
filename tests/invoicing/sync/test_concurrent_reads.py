"""Fresh-data reads run concurrently: bounded, results in the order asked, and the first failure
ends the whole set cleanly (reads not yet started never start, none is left running)."""

from __future__ import annotations

import threading
import time

import pytest

from invoicing.sync.concurrent_reads import read_concurrently


def test_reads_are_in_flight_at_the_same_time():
    # Four reads that can only finish once all four have started: one after another they would
    # never meet at the barrier (it breaks after its timeout and the test fails).
    meeting = threading.Barrier(4, timeout=30)

    def read(number: int) -> int:
        meeting.wait()
        return number

    assert read_concurrently([lambda n=n: read(n) for n in range(4)], concurrency=4) == [0, 1, 2, 3]


def test_no_more_reads_than_the_bound_are_in_flight():
    in_flight, most = 0, 0
    lock = threading.Lock()

    def read(number: int) -> int:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        return number

    results = read_concurrently([lambda n=n: read(n) for n in range(24)], concurrency=3)

    assert results == list(range(24))
    assert most <= 3


def test_the_first_failure_is_raised_and_later_reads_never_start():
    started: list[int] = []
    running: set[int] = set()
    lock = threading.Lock()

    def read(number: int) -> int:
        with lock:
            started.append(number)
            running.add(number)
        try:
            if number == 0:
                raise ConnectionError("FreshBooks could not be reached")
            time.sleep(0.05)
            return number
        finally:
            with lock:
                running.discard(number)

    with pytest.raises(ConnectionError, match="could not be reached"):
        read_concurrently([lambda n=n: read(n) for n in range(60)], concurrency=2)

    assert running == set()  # nothing left in flight behind the caller's back
    assert len(started) < 60


def test_a_single_read_runs_in_the_callers_thread():
    caller = threading.current_thread()

    assert read_concurrently([lambda: threading.current_thread() is caller]) == [True]
    assert read_concurrently([]) == []


def test_each_result_is_handed_over_in_the_callers_thread_while_slower_reads_are_in_flight():
    caller = threading.current_thread()
    first_stored = threading.Event()
    handed: list[tuple[int, str, bool]] = []

    def slow() -> str:
        # Finishes only once the fast read's result was handed over (else it times out).
        if not first_stored.wait(timeout=30):
            raise TimeoutError("the fast result was held back until every read finished")
        return "slow"

    def store(index: int, result: str) -> None:
        handed.append((index, result, threading.current_thread() is caller))
        first_stored.set()

    results = read_concurrently([slow, lambda: "fast"], concurrency=2, on_result=store)

    assert results == ["slow", "fast"]
    assert handed == [(1, "fast", True), (0, "slow", True)]


def test_an_entry_read_twice_in_one_fresh_read_keeps_its_newest_copy():
    from invoicing.sync.fresh import _not_older

    newest: dict = {}
    newer = {"id": 7, "updated_at": "2026-12-03T08:00:01.5Z"}
    older = {"id": 7, "updated_at": "2026-12-03T08:00:01Z"}

    assert _not_older(newest, newer) is True
    assert _not_older(newest, older) is False  # a page read earlier but answered later
    assert _not_older(newest, dict(newer)) is True
    assert _not_older(newest, {"id": 8, "updated_at": None}) is True
