"""A sync's FreshBooks reads made ahead of the stage that stores them, a bounded number at a time.

The stages still store strictly in order, one page at a time in the caller's thread (so progress,
resume points and deleted-object detection mean what they did); only the network waits move: every
list a run will walk starts being read when the run starts, and once a list's first page says how
many pages it has, the next ones are read a few at a time (``window``). Each read is one call that
passes the identity's shared rate gate like any other, and a list is read exactly as a walk from
page to page would read it, so a run makes the same calls as before.

Memory stays flat: a list holds at most ``window`` pages not yet stored, whatever its length. A
read that fails is raised when its stage reaches it, after every page before it was stored, as a
walk would have raised it. Closing the reads cancels those not started and waits for the running
ones, so nothing is left in flight behind the run. Helper threads close any database connection
they opened (a token refresh) after each read.

Rate limits: once FreshBooks has answered 429 (``throttled``), the reads go one at a time, as a
walk's would; a read made ahead that was refused past its attempts (it competed with the others)
is made once more, alone, when its stage takes it.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import connections

from connections.freshbooks import Page, RateLimited

T = TypeVar("T")

# Calls in flight at once for one run, across all its lists (each still passes the rate gate).
READ_CONCURRENCY = 8
# Pages of one list read but not yet stored.
PAGE_WINDOW = 4


class ReadAhead:
    """The run's pool of reads; use as a context manager around the stages."""

    def __init__(
        self,
        *,
        concurrency: int = READ_CONCURRENCY,
        throttled: Callable[[], bool] = lambda: False,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sync-read")
        self._throttled = throttled
        self._alone = threading.Lock()
        self._lock = threading.Lock()
        self._closed = False
        self._started: dict[str, Any] = {}

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, read: Callable[[], T]) -> Future[T]:
        with self._lock:
            if self._closed:
                cancelled: Future[T] = Future()
                cancelled.cancel()
                return cancelled
            return self._pool.submit(self._helper_read, read)

    def _helper_read(self, read: Callable[[], T]) -> T:
        try:
            return self.paced(read)
        finally:
            connections.close_all()  # any this helper thread opened (a token refresh)

    def paced(self, read: Callable[[], T]) -> T:
        """``read()``, one at a time with the run's other reads once FreshBooks said 429."""
        if not self._throttled():
            return read()
        with self._alone:
            return read()

    def result(self, future: Future[T], read: Callable[[], T]) -> T:
        """The read's result; a read refused for the rate limit is made again, alone, here."""
        try:
            return future.result()
        except RateLimited:
            with self._alone:
                return read()

    # -- what a stage reads, started early and taken by the stage --------------------------

    def start(self, name: str, reading: Callable[[], Any]) -> None:
        """Begin what stage ``name`` will read (``reading()`` makes no call itself: it returns a
        `PagedList` or a `Future`)."""
        self._started[name] = reading()

    def take(self, name: str, reading: Callable[[], T]) -> T:
        """What was started for stage ``name``, or ``reading()`` now if nothing was."""
        if name in self._started:
            return self._started.pop(name)
        return reading()

    def pages(
        self,
        pages: Callable[[int], Iterator[Page]],
        start: int,
        *,
        window: int = PAGE_WINDOW,
        first_here: bool = False,
    ) -> PagedList:
        return PagedList(self, pages, start, window=window, first_here=first_here)

    @staticmethod
    def here(read: Callable[[], T]) -> Future[T]:
        """``read()`` made now in the caller's thread, as a future of its outcome."""
        future: Future[T] = Future()
        try:
            future.set_result(read())
        except Exception as error:  # noqa: BLE001 - raised where the future is taken
            future.set_exception(error)
        return future

    def in_order(self, reads: Iterable[Callable[[], T]], *, window: int) -> Iterator[T]:
        """Each read's result in the order given, at most ``window`` read and not yet taken."""
        pending: deque[tuple[Future[T], Callable[[], T]]] = deque()
        remaining = iter(reads)
        try:
            while True:
                while len(pending) < window:
                    read = next(remaining, None)
                    if read is None:
                        break
                    pending.append((self.submit(read), read))
                if not pending:
                    return
                future, read = pending.popleft()
                yield self.result(future, read)
        finally:
            for future, _read in pending:
                future.cancel()


def _one_page(pages: Callable[[int], Iterator[Page]], number: int) -> Page | None:
    """Page ``number`` alone: one call (a walk from there, stopped after its first page)."""
    return next(pages(number), None)


Read = tuple[Page | None, Any]


class PagedList:
    """A list read ahead: its pages in order, exactly those a walk from ``start`` would read.

    A walk reads page n + 1 when page n has items and n < page n's ``pages``. Ahead of the walk,
    pages up to the largest ``pages`` any answer gave are requested, at most ``window`` beyond the
    page being stored; the walk's own rule decides, page by page, where the list ends (a list that
    shrinks while it is read may leave a read page unused). With ``first_here`` the first page is
    read in the caller's thread (a run's first call: a token refused there is refreshed, or found
    lost, in the run's own transaction).

    It yields each page with what ``prepare`` made of it (None without one). ``prepare`` may be set
    after the list began: it runs in the thread that read a page (overlapping the caller's work)
    for pages read after it was set, and is left to the caller for those read before."""

    def __init__(
        self,
        reads: ReadAhead,
        pages: Callable[[int], Iterator[Page]],
        start: int,
        *,
        window: int,
        first_here: bool = False,
    ) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        self._reads = reads
        self._pages = pages
        self._window = window
        # Re-entrant: a read already answered runs its callback inside `_top_up`.
        self._lock = threading.RLock()
        self._futures: dict[int, Future[Read]] = {}
        self.prepare: Callable[[Page], Any] | None = None
        self._next = start  # the page the walk takes next
        self._known_last = start  # the last page any answer said the list has
        self._requested = start - 1
        self._stopped = False
        if first_here:
            first = ReadAhead.here(lambda: self._read(start))
            self._requested = start
            self._futures[start] = first
            self._answered(first)
        self._top_up()

    def _top_up(self) -> None:
        with self._lock:
            if self._stopped:
                return
            last = min(self._known_last, self._next + self._window - 1)
            while self._requested < last:
                self._requested += 1
                future = self._reads.submit(functools.partial(self._read, self._requested))
                self._futures[self._requested] = future
                future.add_done_callback(self._answered)

    def _read(self, number: int) -> Read:
        page = _one_page(self._pages, number)
        prepare = self.prepare
        return page, None if prepare is None or page is None else prepare(page)

    def _answered(self, future: Future[Read]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        page, _prepared = future.result()
        if page is not None and page.items and page.pages > self._known_last:
            with self._lock:
                self._known_last = max(self._known_last, page.pages)
            self._top_up()

    def next_ready(self) -> bool:
        """Whether the page after the one last handed over has been read without failing (the
        caller may take it at once), as far as the list is known to go."""
        with self._lock:
            future = self._futures.get(self._next + 1)
        return (
            future is not None
            and future.done()
            and not future.cancelled()
            and (future.exception() is None)
        )

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            futures, self._futures = list(self._futures.values()), {}
        for future in futures:
            future.cancel()

    def __iter__(self) -> Iterator[tuple[Page, Any]]:
        try:
            while True:
                with self._lock:
                    future = self._futures.pop(self._next, None)
                if future is None:  # not requested yet (cannot happen once topped up)
                    self._top_up()
                    continue
                page, prepared = self._reads.result(
                    future, functools.partial(self._read, self._next)
                )
                if page is None:
                    return
                yield page, prepared
                if not page.items or page.page >= page.pages:
                    return
                following = max(page.page, self._next) + 1
                with self._lock:
                    if following != self._next + 1:  # the answer named another page: re-aim
                        for stale in self._futures.values():
                            stale.cancel()
                        self._futures.clear()
                        self._requested = following - 1
                    self._next = following
                    self._known_last = max(self._known_last, page.pages)
                self._top_up()
        finally:
            self.stop()
