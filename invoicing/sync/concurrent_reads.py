"""FreshBooks reads made concurrently, for a plan a person or a run is waiting on.

Each read runs in a thread of a bounded pool and only talks to FreshBooks: every call still passes
the identity's shared rate gate (`connections.freshbooks.transport`), so the pool adds no load the
budget does not allow. The caller writes the results to the database in its own thread, in a fixed
order, so the threads hold no database connection of the caller's (inside a test's transaction or
a request's atomic block they could not see its rows anyway). A thread that opened a connection of
its own (a token refresh) closes it before it ends.

The first read to fail cancels the reads not yet started; it is raised once the running ones are
over, so nothing is left in flight behind the caller's back. A caller may store each result as it
arrives (`on_result`), overlapping its database work with the reads still in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TypeVar

from django.db import connections

T = TypeVar("T")

# FreshBooks reads in flight at once for one plan (the same bound as billed-marking PUTs).
READ_CONCURRENCY = 8


def read_concurrently(
    reads: Sequence[Callable[[], T]],
    *,
    concurrency: int = READ_CONCURRENCY,
    on_result: Callable[[int, T], None] | None = None,
) -> list[T]:
    """Every read's result, in the order given; raises the first read's failure.

    `on_result(index, result)` runs in the caller's thread as each read answers (in the order they
    answer), so the caller can store one result while the others are still in flight.
    """
    if len(reads) <= 1:
        results = [read() for read in reads]
        for index, result in enumerate(results):
            if on_result is not None:
                on_result(index, result)
        return results
    caller = threading.current_thread()

    def run(read: Callable[[], T]) -> T:
        try:
            return read()
        finally:
            if threading.current_thread() is not caller:
                connections.close_all()  # any this helper thread opened (a token refresh)

    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(reads)), thread_name_prefix="fresh-read"
    ) as pool:
        futures = {pool.submit(run, read): index for index, read in enumerate(reads)}
        try:
            for future in as_completed(futures):
                if future.exception() is not None:
                    break
                if on_result is not None:
                    on_result(futures[future], future.result())
        finally:
            for future in futures:  # a failure (or the caller's own) stops the rest
                future.cancel()
    # The pool has ended: every future is done or cancelled.
    failure = _first_failure(list(futures))
    if failure is not None:
        raise failure
    return [future.result() for future in futures]


def _first_failure(futures: list[Future[T]]) -> BaseException | None:
    for future in futures:
        if not future.cancelled() and future.exception() is not None:
            return future.exception()
    return None
