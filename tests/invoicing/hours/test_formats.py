"""Reading Toggl Track, Harvest and Clockify detailed exports and the template."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from invoicing.hours.formats import NotATimeReport, read_rows, template_csv
from tests.invoicing.hours.samples import (
    CLOCKIFY_HEADER,
    HARVEST_HEADER,
    TOGGL_HEADER,
    clockify_row,
    csv_bytes,
    harvest_row,
    toggl_row,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("header", "row", "tool", "start"),
    [
        (TOGGL_HEADER, toggl_row(), "toggl", datetime(2024, 5, 6, 9, 0, tzinfo=PARIS)),
        (HARVEST_HEADER, harvest_row(), "harvest", datetime(2024, 5, 6, 9, 0, tzinfo=PARIS)),
        (CLOCKIFY_HEADER, clockify_row(), "clockify", datetime(2024, 5, 6, 9, 0, tzinfo=PARIS)),
    ],
)
def test_each_tool_export_is_read_in_its_own_layout(header, row, tool, start):
    found, [parsed] = read_rows(csv_bytes(header, [row]), PARIS)

    assert found.tool == tool
    assert (parsed.client, parsed.project, parsed.service) == ("Acme Corp", "Website", "Design")
    assert parsed.started_at == start
    assert parsed.duration_seconds == 5400
    assert parsed.note == "Homepage"
    assert "Ana Lima" in (parsed.member, parsed.member_name)
    assert parsed.problems == []
    assert parsed.external_id.startswith(f"{tool}:")


@pytest.mark.parametrize("duration", ["1:30", "1:30:00", "1.5", "90m"])
def test_template_durations_in_every_usual_writing(duration):
    rows = [["t-1", "2024-05-06", "09:00", duration, "Acme Corp", "", "", "", "", "yes"]]
    header = template_csv().splitlines()[0].split(",")

    _, [parsed] = read_rows(csv_bytes(header, rows), PARIS)

    assert parsed.duration_seconds == 5400
    assert parsed.external_id == "t-1"


def test_a_bom_and_semicolons_are_read():
    content = csv_bytes(TOGGL_HEADER, [toggl_row()], delimiter=";", bom=True)

    found, [parsed] = read_rows(content, PARIS)

    assert found.tool == "toggl" and parsed.client == "Acme Corp" and parsed.problems == []


def test_the_same_file_gives_the_same_ids_and_identical_rows_get_their_own():
    content = csv_bytes(TOGGL_HEADER, [toggl_row(), toggl_row(), toggl_row(note="Other")])

    _, first = read_rows(content, PARIS)
    _, second = read_rows(content, PARIS)

    assert [row.external_id for row in first] == [row.external_id for row in second]
    assert len({row.external_id for row in first}) == 3


def test_a_malformed_row_says_why_per_row():
    content = csv_bytes(
        TOGGL_HEADER,
        [toggl_row(duration="soon"), toggl_row(day="yesterday"), toggl_row(client=""), ["x"]],
    )

    _, rows = read_rows(content, PARIS)

    assert [row.line for row in rows] == [2, 3, 4, 5]
    assert "not a duration" in rows[0].problems[0]
    assert "not a date" in rows[1].problems[0]
    assert rows[2].problems == ["No client."]
    assert "columns" in rows[3].problems[0]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV file"),
        (b"name,amount\nx,1\n", "not a detailed time report we know"),
        ("Client;Date\n\xe9".encode("latin-1"), "not UTF-8"),
        (b"", "empty or not a CSV file"),
    ],
)
def test_what_is_not_a_known_csv_report_is_refused_with_why(content, words):
    with pytest.raises(NotATimeReport, match=words):
        read_rows(content, PARIS)
