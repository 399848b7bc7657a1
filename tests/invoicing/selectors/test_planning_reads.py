"""What planning reads: entries as `PlannedEntry` tuples that answer as the model's rows do,
reservations found through one array literal, and the collector paused only while planning."""

import gc
from datetime import UTC, datetime

import pytest
from django.db.models import F

from invoicing.models import DraftEntry, TimeEntry
from invoicing.selectors.lookups import AnyOfIntegers
from invoicing.selectors.planning_reads import PLANNED_COLUMNS, entry_rows, gc_paused
from tests.factories import ConnectedBusinessFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_a_planned_entry_reads_as_the_model_row_does():
    business = ConnectedBusinessFactory()
    TimeEntryFactory(business=business, freshbooks_id=7, note="Call", client_freshbooks_id=3)
    TimeEntryFactory(
        business=business,
        freshbooks_id=-8,
        source=TimeEntry.Source.CSV,
        source_tool=TimeEntry.Tool.TOGGL,
        external_id="row-1",
        started_at=datetime(2024, 5, 1, 23, 30, tzinfo=UTC),
    )
    TimeEntryFactory(business=business, freshbooks_id=-9, source=TimeEntry.Source.API)
    entries = TimeEntry.objects.filter(business=business).order_by("freshbooks_id")
    for planned, model in zip(entry_rows(entries), entries, strict=True):
        for column in PLANNED_COLUMNS:
            assert getattr(planned, "pk" if column == "id" else column) == getattr(model, column)
        assert (planned.is_outside, planned.source_label) == (model.is_outside, model.source_label)
    assert [row.source_label for row in entry_rows(entries)] == [
        "API",
        "Toggl Track CSV",
        "FreshBooks",
    ]


def test_the_billing_rules_columns_are_all_read_and_the_raw_json_is_not():
    assert "raw" not in PLANNED_COLUMNS
    assert {"freshbooks_id", "started_at", "duration_seconds", "billed", "note"} <= set(
        PLANNED_COLUMNS
    )


def test_reservations_are_found_by_one_array_of_ids(draft):
    reserved = list(
        DraftEntry.objects.filter(draft=draft).values_list("time_entry_freshbooks_id", flat=True)
    )
    found = DraftEntry.objects.filter(
        AnyOfIntegers(F("time_entry_freshbooks_id"), [*reserved, 123_456_789])
    )
    assert sorted(found.values_list("time_entry_freshbooks_id", flat=True)) == sorted(reserved)
    assert not DraftEntry.objects.filter(AnyOfIntegers(F("time_entry_freshbooks_id"), [])).exists()
    with pytest.raises(TypeError):
        list(DraftEntry.objects.filter(AnyOfIntegers(F("time_entry_freshbooks_id"), ["1); --"])))


def test_the_collector_is_paused_while_planning_and_restored_after():
    seen = []

    @gc_paused
    def plan():
        seen.append(gc.isenabled())
        raise ValueError("planning failed")

    assert gc.isenabled()
    with pytest.raises(ValueError):
        plan()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ValueError):
            plan()
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
