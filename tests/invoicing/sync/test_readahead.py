"""Read-ahead: a run reads a list a few pages at a time, each page exactly once, and hands the
pages over in order; a failure reaches the caller after the pages before it."""

import threading
import time

import pytest

from connections.freshbooks import Page, RateLimited
from invoicing.sync.readahead import ReadAhead


class Listing:
    """A list of ``count`` pages read through ``pages(start)`` like the client's iterators, which
    records every page requested and how many reads were in flight at once."""

    def __init__(self, count: int, *, fail_at: int | None = None, pause: float = 0.005):
        self.count = count
        self.fail_at = fail_at
        self.pause = pause
        self.requested: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def pages(self, start: int):
        number = start
        while True:
            with self.lock:
                self.requested.append(number)
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            time.sleep(self.pause)
            with self.lock:
                self.in_flight -= 1
            if number == self.fail_at:
                raise ConnectionError(f"page {number} failed")
            items = (
                [{"id": number * 100 + item} for item in range(3)] if number <= self.count else []
            )
            page = Page(
                items=items, page=number, pages=self.count, total=3 * self.count, per_page=3
            )
            yield page
            if not items or number >= self.count:
                return
            number += 1


def test_every_page_is_read_once_and_handed_over_in_order():
    listing = Listing(9)
    with ReadAhead() as reads:
        pages = [page.page for page, _prepared in reads.pages(listing.pages, 1, window=3)]

    assert pages == list(range(1, 10))
    assert sorted(listing.requested) == list(range(1, 10))


def test_a_resumed_list_starts_at_its_page():
    listing = Listing(6)
    with ReadAhead() as reads:
        pages = [page.page for page, _prepared in reads.pages(listing.pages, 4, window=4)]

    assert pages == [4, 5, 6]
    assert sorted(listing.requested) == [4, 5, 6]


def test_reads_in_flight_and_pages_held_stay_within_the_window():
    listing = Listing(20)
    held = []
    with ReadAhead(concurrency=8) as reads:
        for page, _prepared in reads.pages(listing.pages, 1, window=3):
            time.sleep(0.02)  # storing is slower than reading: the reads run as far as allowed
            held.append(len(listing.requested) - page.page)

    assert listing.most_in_flight <= 3
    assert max(held) <= 2  # besides the page being stored
    assert sorted(listing.requested) == list(range(1, 21))


def test_a_failed_page_is_raised_after_the_pages_before_it_and_nothing_is_left_in_flight():
    listing = Listing(12, fail_at=5)
    stored = []
    reads = ReadAhead()
    with pytest.raises(ConnectionError, match="page 5 failed"), reads:
        for page, _prepared in reads.pages(listing.pages, 1, window=4):
            stored.append(page.page)

    assert stored == [1, 2, 3, 4]
    assert listing.in_flight == 0
    assert max(listing.requested) <= 5 + 3  # never more than the window past the failure


def test_a_page_is_prepared_in_the_thread_that_read_it_once_prepare_is_set():
    listing = Listing(6)
    caller = threading.current_thread()
    with ReadAhead() as reads:
        listed = reads.pages(listing.pages, 1, window=2, first_here=True)
        listed.prepare = lambda page: (page.page, threading.current_thread())
        handed = list(listed)

    first_page, first_prepared = handed[0]
    assert first_page.page == 1 and first_prepared is None  # read in the caller's thread, before
    for page, (number, thread) in (item for item in handed[1:] if item[1] is not None):
        assert number == page.page
        assert thread is not caller


def test_reads_in_order_keep_their_order_and_window():
    in_flight = []
    lock = threading.Lock()
    current = [0]

    def read(value):
        def call():
            with lock:
                current[0] += 1
                in_flight.append(current[0])
            time.sleep(0.005 * (5 - value % 5))  # later reads may answer first
            with lock:
                current[0] -= 1
            return value

        return call

    with ReadAhead() as reads:
        results = list(reads.in_order([read(value) for value in range(15)], window=4))

    assert results == list(range(15))
    assert max(in_flight) <= 4


def test_once_rate_limited_reads_go_one_at_a_time_and_a_refused_read_is_made_again_alone():
    limited = threading.Event()
    in_flight = []
    lock = threading.Lock()
    current = [0]
    refused = set()

    def read(value):
        def call():
            with lock:
                current[0] += 1
                if value >= 8:  # asked for after the refusal was seen
                    in_flight.append(current[0])
            try:
                time.sleep(0.005)
                if value == 2 and value not in refused:  # refused past its attempts, once
                    refused.add(value)
                    limited.set()
                    raise RateLimited("429", retry_after=0)
                return value
            finally:
                with lock:
                    current[0] -= 1

        return call

    with ReadAhead(concurrency=6, throttled=limited.is_set) as reads:
        results = list(reads.in_order([read(value) for value in range(12)], window=6))

    assert results == list(range(12))
    assert refused == {2}
    assert in_flight == [1, 1, 1, 1]  # one at a time
