"""Fetch the next page while the current one is stored: the network wait and the database work of
a sync overlap instead of adding up.

Exactly one page ahead, so memory stays flat however long the list. The first page is fetched in
the caller's thread (it may load or refresh the access token through the database); later ones in
one helper thread, which closes any database connection it opened before it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

T = TypeVar("T")
_DONE = object()


def _next_or_done(iterator: Iterator[T]) -> object:
    return next(iterator, _DONE)


def one_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` unchanged, each next one already being fetched while the caller works."""
    iterator = iter(items)
    current = _next_or_done(iterator)
    if current is _DONE:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as pool:
        try:
            while current is not _DONE:
                upcoming: Future[object] = pool.submit(_next_or_done, iterator)
                try:
                    yield current  # type: ignore[misc]
                except BaseException:
                    upcoming.cancel()
                    raise
                current = upcoming.result()
        finally:
            pool.submit(connections.close_all).result()
