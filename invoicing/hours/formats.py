"""CSV time reports: Toggl Track, Harvest and Clockify detailed exports, and our own template.

Reading is pure (text in, rows out): the delimiter is sniffed (comma, semicolon or tab), a UTF-8
BOM is dropped, the format is known by its header. A row keeps what it names (client, project,
task, person) as text for matching, and its problems in words; it is never dropped silently.

A row's identity (its external id) is the template's `external_id`, or, as these exports carry
no id, a hash of the tool and every cell of the row, with the row's occurrence number among
identical rows, so importing the same file twice finds the same ids.

Decision: dates written with slashes are month first (MM/DD/YYYY), the default of the three
tools; dotted dates are day first (DD.MM.YYYY).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from invoicing.hours.durations import BadDuration, duration_seconds

TEMPLATE_HEADER = [
    "external_id",
    "date",
    "start_time",
    "duration",
    "client",
    "project",
    "service",
    "team_member",
    "note",
    "billable",
]
TEMPLATE_EXAMPLE = [
    "task-1042",
    "2026-05-04",
    "09:30",
    "1:30",
    "Acme Corp",
    "Website",
    "Design",
    "ana@example.com",
    "Homepage review",
    "yes",
]
DEFAULT_START = time(9, 0)  # Harvest rows have a day but no start time


class NotATimeReport(ValueError):
    """The file is not CSV, or not a report this importer knows; the message says what is."""


@dataclass
class CsvRow:
    line: int
    external_id: str = ""
    client: str = ""
    project: str = ""
    service: str = ""
    # The person: an email when the export has one, else a name; `member_name` is the name.
    member: str = ""
    member_name: str = ""
    started_at: datetime | None = None
    duration_seconds: int | None = None
    note: str = ""
    billable: bool = True
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    tool: str
    label: str
    required: frozenset[str]
    read: Callable[[dict[str, str], CsvRow, ZoneInfo], None]


def _yes(value: str) -> bool:
    return value.strip().casefold() not in ("no", "n", "false", "0", "non-billable")


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)


def _date(value: str) -> date:
    text = value.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (YYYY-MM-DD or MM/DD/YYYY).")


def _time(value: str) -> time:
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"“{value}” is not a time of day (HH:MM).")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            raise ValueError(f"“{value}” is not a time of day.")
        hour = hour % 12 + (12 if match[4].lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"“{value}” is not a time of day.")
    return time(hour, minute, second)


def _start(row: CsvRow, zone: ZoneInfo, day: str, clock: str | None) -> None:
    try:
        at = _time(clock) if clock else DEFAULT_START
        row.started_at = datetime.combine(_date(day), at, tzinfo=zone)
    except ValueError as error:
        row.problems.append(str(error))


def _duration(row: CsvRow, value: str) -> None:
    try:
        row.duration_seconds = duration_seconds(value)
    except BadDuration as error:
        row.problems.append(str(error))


def _toggl(cells: dict[str, str], row: CsvRow, zone: ZoneInfo) -> None:
    row.client, row.project = cells.get("client", ""), cells.get("project", "")
    row.service, row.note = cells.get("task", ""), cells.get("description", "")
    row.member_name = cells.get("user", "") or cells.get("member", "")
    row.member = cells.get("email", "") or row.member_name
    row.billable = _yes(cells.get("billable", "yes"))
    _start(row, zone, cells["start date"], cells.get("start time"))
    _duration(row, cells["duration"])


def _harvest(cells: dict[str, str], row: CsvRow, zone: ZoneInfo) -> None:
    row.client, row.project = cells.get("client", ""), cells.get("project", "")
    row.service, row.note = cells.get("task", ""), cells.get("notes", "")
    row.member_name = " ".join(
        part for part in (cells.get("first name", ""), cells.get("last name", "")) if part
    )
    row.member = row.member_name
    row.billable = _yes(cells.get("billable?", "yes"))
    _start(row, zone, cells["date"], None)
    _duration(row, cells["hours"])


def _clockify(cells: dict[str, str], row: CsvRow, zone: ZoneInfo) -> None:
    row.client, row.project = cells.get("client", ""), cells.get("project", "")
    row.service, row.note = cells.get("task", ""), cells.get("description", "")
    row.member_name = cells.get("user", "")
    row.member = cells.get("email", "") or row.member_name
    row.billable = _yes(cells.get("billable", "yes"))
    _start(row, zone, cells["start date"], cells.get("start time"))
    _duration(row, cells.get("duration (h)") or cells.get("duration (decimal)", ""))


def _template(cells: dict[str, str], row: CsvRow, zone: ZoneInfo) -> None:
    row.external_id = cells.get("external_id", "").strip()
    row.client, row.project = cells.get("client", ""), cells.get("project", "")
    row.service, row.note = cells.get("service", ""), cells.get("note", "")
    row.member = row.member_name = cells.get("team_member", "")
    row.billable = _yes(cells.get("billable", "yes") or "yes")
    _start(row, zone, cells["date"], cells.get("start_time") or None)
    _duration(row, cells["duration"])


# Most specific first: Clockify's header also has Toggl's "start date" and "start time".
FORMATS = (
    Format(
        "template",
        "CSV template",
        frozenset({"external_id", "date", "duration", "client"}),
        _template,
    ),
    Format("clockify", "Clockify", frozenset({"start date", "duration (h)", "client"}), _clockify),
    Format(
        "toggl",
        "Toggl Track",
        frozenset({"start date", "start time", "duration", "client"}),
        _toggl,
    ),
    Format("harvest", "Harvest", frozenset({"date", "hours", "client", "first name"}), _harvest),
)


def _text(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise NotATimeReport("This file is not a CSV file (it holds binary data).")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotATimeReport(
            "This file is not UTF-8 text. Export the report again as CSV (UTF-8)."
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])


def detect(content: bytes) -> tuple[Format, str, list[str]]:
    """The format, the decoded text and the header. Raises NotATimeReport."""
    text = _text(content)
    first_line = text.split("\n", 1)[0]
    try:
        header = next(csv.reader(io.StringIO(first_line), delimiter=_delimiter(first_line)))
    except (StopIteration, csv.Error):
        raise NotATimeReport("This file is empty or not a CSV file.") from None
    names = {name.strip().casefold() for name in header}
    for candidate in FORMATS:
        if candidate.required <= names:
            return candidate, text, header
    raise NotATimeReport(
        "This CSV is not a detailed time report we know. Export a detailed report from Toggl "
        "Track, Harvest or Clockify, or use the template (columns: "
        f"{', '.join(TEMPLATE_HEADER)})."
    )


def read_rows(content: bytes, zone: ZoneInfo) -> tuple[Format, list[CsvRow]]:
    """Every data row, with its problems. Raises NotATimeReport."""
    found, text, _ = detect(content)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.split("\n", 1)[0]))
    header = [name.strip().casefold() for name in next(reader)]
    rows: list[CsvRow] = []
    seen: Counter[str] = Counter()
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            row = CsvRow(line=reader.line_num)
            if len(cells) != len(header):
                row.problems.append(f"This row has {len(cells)} columns, the header {len(header)}.")
                rows.append(row)
                continue
            named = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
            found.read(named, row, zone)
            if not row.client:
                row.problems.append("No client.")
            if not row.external_id:
                digest = hashlib.sha256("\x1f".join([found.tool, *cells]).encode()).hexdigest()[:32]
                seen[digest] += 1
                row.external_id = f"{found.tool}:{digest}:{seen[digest]}"
            rows.append(row)
    except csv.Error as error:
        raise NotATimeReport(f"Line {reader.line_num} is not valid CSV ({error}).") from None
    return found, rows


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(TEMPLATE_EXAMPLE)
    return out.getvalue()
