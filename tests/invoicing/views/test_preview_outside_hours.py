"""Hours from outside FreshBooks in a preview: marked by source, and left out and ticked back
like FreshBooks' own entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from invoicing.hours.checks import HoursInput
from invoicing.hours.services import hours_upsert
from invoicing.selectors.previews import preview_line_entries
from tests.invoicing.views.test_preview import business, left_out, owner, preview, url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_outside_entry_is_shown_by_source_and_can_be_left_out_and_ticked_back(owner, business):  # noqa: F811
    [outside] = hours_upsert(
        business=business,
        source="api",
        entries=[
            HoursInput(
                external_id="tracker-7",
                client_id=10,
                project_id=70,
                started_at=datetime(2024, 5, 9, 10, tzinfo=UTC),
                duration_seconds=3600,
            )
        ],
    ).entries
    run = preview(business)
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    assert "data-source>API</span>" in page
    shown = [str(outside.freshbooks_id), "500"]
    lines = list(preview_line_entries(run.preview))
    ticked = {"bill_line": lines, "lines_shown": "1"}

    owner.post(
        url("run_select", business, run_pk=run.pk), {"shown": shown, "bill": ["500"], **ticked}
    )
    run.refresh_from_db()
    assert left_out(run) == {outside.freshbooks_id}

    ticked = {"bill_line": list(preview_line_entries(run.preview)), "lines_shown": "1"}
    owner.post(
        url("run_select", business, run_pk=run.pk), {"shown": shown, "bill": shown, **ticked}
    )
    run.refresh_from_db()
    assert left_out(run) == set()
    assert outside.freshbooks_id in {
        entry_id
        for draft in run.preview["drafts"]
        for line in draft["lines"]
        for entry_id in line["entry_ids"]
    }
    run.refresh_from_db()
    assert left_out(run) == set()
