"""What every stage of a sync shares: the run, its client, and walking a list page by page.

A page and the run's progress (counts, where to resume, heartbeat) are stored by one statement:
one round trip and one transaction per page, so a resumed run starts after the last page stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from connections.freshbooks import FreshBooksClient, Page
from connections.models import ConnectedBusiness
from invoicing.models import SyncRun
from invoicing.sync.prefetch import one_ahead
from invoicing.sync.readahead import PAGE_WINDOW, PagedList, ReadAhead
from invoicing.sync.store import (
    MAX_SKIP_REASONS,
    BatchOutcome,
    CountedInto,
    MappedPage,
    mirror_map,
    mirror_store,
)

# The run's lock lives for minutes (invoicing.sync.lock); extending it with every page of a fast
# listing would add a Redis round trip per page for nothing.
KEEP_ALIVE_SECONDS = 10.0

PROGRESS_FIELDS = ("skipped", "skip_reasons", "pages", "api_calls", "progress", "heartbeat_at")
COUNTERS = ("added", "updated", "deleted")


@dataclass
class SyncContext:
    run: SyncRun
    business: ConnectedBusiness
    client: FreshBooksClient
    keep_alive: Callable[[], object]
    kept_alive_at: float = field(default=float("-inf"))
    # The run's reads made ahead of its stages (`invoicing.sync.lists.start_reads`), if any.
    reads: ReadAhead | None = None

    @property
    def full(self) -> bool:
        return self.run.kind == SyncRun.Kind.FULL

    @property
    def since(self) -> datetime | None:
        return None if self.full else self.run.changes_since

    def start_page(self, stage: str) -> int:
        progress = self.run.progress or {}
        return int(progress.get("page", 1)) if progress.get("stage") == stage else 1

    def _advance(
        self, *, stage: str, next_page: int, skipped: list[dict[str, Any]], api_calls: int
    ) -> None:
        """The run's progress after a page, in memory (the caller writes it)."""
        run = self.run
        run.skipped += len(skipped)
        if skipped and len(run.skip_reasons) < MAX_SKIP_REASONS:
            room = MAX_SKIP_REASONS - len(run.skip_reasons)
            run.skip_reasons = [*run.skip_reasons, *skipped[:room]]
        run.pages += api_calls
        run.api_calls += api_calls
        run.progress = {"stage": stage, "page": next_page}
        run.heartbeat_at = timezone.now()

    def _kept_alive(self) -> None:
        now = time.monotonic()
        if now - self.kept_alive_at >= KEEP_ALIVE_SECONDS:
            self.keep_alive()
            self.kept_alive_at = now

    def commit(
        self, *, stage: str, next_page: int, outcome: BatchOutcome, api_calls: int = 1
    ) -> None:
        """Record a page's counts and where to resume, in the caller's transaction."""
        run = self.run
        self._advance(
            stage=stage, next_page=next_page, skipped=outcome.skipped, api_calls=api_calls
        )
        run.added += outcome.added
        run.updated += outcome.updated
        run.deleted += outcome.deleted
        run.save(update_fields=[*COUNTERS, *PROGRESS_FIELDS])
        self._kept_alive()

    def store_page(
        self,
        *,
        stage: str,
        page: Page,
        model,
        columns,
        key: str,
        object_name: str,
        mapped: MappedPage | None = None,
    ) -> None:
        """Upsert a listed page and record it in the run: one statement, one round trip.
        ``mapped``: the page already mapped (`mirror_map`), else it is mapped here."""
        if mapped is None:
            mapped = mirror_map(page.items, columns, key=key, object_name=object_name)
        self.store_pages(stage=stage, pages=[(page, mapped)], model=model, key=key)

    def store_pages(
        self, *, stage: str, pages: list[tuple[Page, MappedPage]], model, key: str
    ) -> None:
        """Upsert pages listed one after another, mapped, and record them in the run as one:
        one statement, one round trip, one transaction."""
        run = self.run
        mapped = MappedPage.merged([page_mapped for _page, page_mapped in pages])
        before = {name: getattr(run, name) for name in COUNTERS}
        self._advance(
            stage=stage,
            next_page=pages[-1][0].page + 1,
            skipped=mapped.skipped,
            api_calls=len(pages),
        )
        outcome = mirror_store(
            model=model,
            business=self.business,
            run_id=run.pk,
            page=mapped,
            key=key,
            counted_into=CountedInto(
                model=SyncRun,
                pk=run.pk,
                values={name: getattr(run, name) for name in PROGRESS_FIELDS},
                before=before,
            ),
        )
        run.added += outcome.added
        run.updated += outcome.updated
        run.deleted += outcome.deleted
        self._kept_alive()


def walk(
    context: SyncContext,
    stage: str,
    pages: Callable[[int], Iterator[Page]],
    *,
    model,
    columns,
    object_name: str,
    key: str = "freshbooks_id",
) -> None:
    """Every page of a list from where the run left it, the next pages read while one is stored:
    a few at a time on the run's reads (read ahead since the run began), or one ahead without
    them."""
    start = context.start_page(stage)

    def mapped(page: Page) -> MappedPage:
        return mirror_map(page.items, columns, key=key, object_name=object_name).prepared()

    reads = context.reads
    listed: Iterable[tuple[Page, MappedPage | None]]
    if reads is None:
        listed = ((page, None) for page in one_ahead(pages(start)))
    else:
        listing = reads.take(stage, lambda: reads.pages(pages, start))
        listing.prepare = mapped  # pages read from now on are mapped in the reading thread
        listed = listing
    # Pages already read when one is stored are stored with it (the database's work per statement
    # and per commit is then paid once for them all); never more than the read-ahead window.
    batch: list[tuple[Page, MappedPage]] = []
    try:
        for page, page_mapped in listed:
            batch.append((page, page_mapped if page_mapped is not None else mapped(page)))
            if isinstance(listed, PagedList) and len(batch) < PAGE_WINDOW and listed.next_ready():
                continue
            ready, batch = batch, []
            context.store_pages(stage=stage, pages=ready, model=model, key=key)
    finally:
        if batch:  # read before the list ended (or failed): stored all the same
            context.store_pages(stage=stage, pages=batch, model=model, key=key)
