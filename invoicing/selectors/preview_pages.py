"""What the preview page shows of a preview: the same document with its long lists cut to pages.

A preview of 100,000 entries keeps every entry in `InvoiceRun.preview` (the audit, and what
"Create drafts" compares its new plan with). The page reads `InvoiceRun.preview_page`, written
beside it when the preview is computed: each line's first entries (the rest counted), the first
page of the not-billed list (the rest counted, further pages sliced out of `preview` in
PostgreSQL), and one item per distinct rate fix of unpriced time, so a held-back draft still links
to every rate it waits for.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from invoicing.billing import NotBilledReason
from invoicing.models import InvoiceRun

# Entries listed under each line (each with its tick box); the rest are counted.
ENTRIES_SHOWN = 10
# Rows of the not-billed list per page.
NOT_BILLED_PER_PAGE = 25
UNPRICED = {str(NotBilledReason.NO_RATE), str(NotBilledReason.ZERO_RATE)}


def preview_page_document(snapshot: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` with each line's entries and the not-billed list cut to what a page shows."""
    if not snapshot:
        return {}
    drafts = [
        {**draft, "lines": [_line_shown(line) for line in draft.get("lines", [])]}
        for draft in snapshot.get("drafts", [])
    ]
    not_billed = snapshot.get("not_billed", [])
    fixes: dict[tuple[Any, str], dict[str, Any]] = {}
    for item in not_billed:
        if item.get("rate_fix") and item.get("reason") in UNPRICED:
            key = (item.get("client_id"), json.dumps(item["rate_fix"], sort_keys=True))
            fixes.setdefault(key, item)
    return {
        **snapshot,
        "drafts": drafts,
        "not_billed": not_billed[:NOT_BILLED_PER_PAGE],
        "not_billed_count": len(not_billed),
        "unpriced_fixes": list(fixes.values()),
    }


def _line_shown(line: dict[str, Any]) -> dict[str, Any]:
    entries = line.get("entries", [])
    shown = {key: value for key, value in line.items() if key != "entry_ids"}
    shown["entries"] = entries[:ENTRIES_SHOWN]
    shown["entries_more"] = max(len(entries) - ENTRIES_SHOWN, 0)
    return shown


def preview_page_of(run: InvoiceRun) -> dict[str, Any]:
    """The page document of a run; built from the full preview for runs made before it existed."""
    return run.preview_page or preview_page_document(run.preview)


def not_billed_page(run: InvoiceRun, page: dict[str, Any], number: int) -> list[dict[str, Any]]:
    """Rows of page `number` (from 1) of the not-billed list; past the end, the last page.

    The first page is stored in the page document. Any later page asked for is sliced out of the
    full preview in PostgreSQL, even when the list has one page only (the slice is then the first
    page again): a page past the first costs the same queries whatever the list's length.
    """
    count = page.get("not_billed_count", len(page.get("not_billed", [])))
    if number <= 1:
        return list(page.get("not_billed", []))
    number = min(number, not_billed_pages(count))
    first = (number - 1) * NOT_BILLED_PER_PAGE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT jsonb_path_query_array(preview, '$.not_billed[$first to $last]', "
            "jsonb_build_object('first', %s::int, 'last', %s::int)) "
            "FROM invoicing_invoicerun WHERE id = %s",
            [first, first + NOT_BILLED_PER_PAGE - 1, run.pk],
        )
        row = cursor.fetchone()
    rows = row[0] if row else []
    return json.loads(rows) if isinstance(rows, str) else list(rows or [])


def not_billed_pages(count: int) -> int:
    return max((count + NOT_BILLED_PER_PAGE - 1) // NOT_BILLED_PER_PAGE, 1)


def preview_fields(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The run fields a new preview snapshot sets: the preview, its page, its inputs version."""
    return {
        "preview": snapshot,
        "preview_page": preview_page_document(snapshot),
        "inputs_version": snapshot.get("inputs_version"),
    }
