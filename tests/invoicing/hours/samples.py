"""Sample exports in each tool's exact column layout, made by the tests."""

from __future__ import annotations

import csv
import io

TOGGL_HEADER = [
    "User", "Email", "Client", "Project", "Task", "Description", "Billable",
    "Start date", "Start time", "End date", "End time", "Duration", "Tags", "Amount (USD)",
]  # fmt: skip
HARVEST_HEADER = [
    "Date", "Client", "Project", "Project Code", "Task", "Notes", "Hours", "Hours Rounded",
    "Billable?", "Invoiced?", "Approved?", "First Name", "Last Name", "Roles", "Employee?",
    "Billable Rate", "Billable Amount", "Cost Rate", "Cost Amount", "Currency",
    "External Reference URL",
]  # fmt: skip
CLOCKIFY_HEADER = [
    "Project", "Client", "Description", "Task", "User", "Group", "Email", "Tags", "Billable",
    "Start Date", "Start Time", "End Date", "End Time", "Duration (h)", "Duration (decimal)",
    "Billable Rate (USD)", "Billable Amount (USD)",
]  # fmt: skip


def toggl_row(
    client="Acme Corp",
    project="Website",
    duration="01:30:00",
    day="2024-05-06",
    start="09:00:00",
    note="Homepage",
    user="Ana Lima",
    email="ana@studio.test",
):
    return [user, email, client, project, "Design", note, "Yes", day, start, day, "10:30:00",
            duration, "", "150.00"]  # fmt: skip


def harvest_row(
    client="Acme Corp",
    project="Website",
    hours="1.5",
    day="2024-05-06",
    note="Homepage",
    first="Ana",
    last="Lima",
):
    return [day, client, project, "", "Design", note, hours, hours, "Yes", "No", "No", first,
            last, "", "Yes", "100", "150", "0", "0", "US Dollar", ""]  # fmt: skip


def clockify_row(
    client="Acme Corp",
    project="Website",
    duration="01:30:00",
    day="05/06/2024",
    start="09:00:00 AM",
    note="Homepage",
):
    return [project, client, note, "Design", "Ana Lima", "", "ana@studio.test", "", "Yes", day,
            start, day, "10:30:00 AM", duration, "1.50", "100", "150"]  # fmt: skip


def csv_bytes(header, rows, *, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()
