"""The journey's page checks catch what they promise (no browser needed)."""

from __future__ import annotations

import pytest

from tests.e2e.checks import serious_violations, wording_problems


@pytest.mark.parametrize(
    "text",
    [
        "grouped by detailed / teammember / single · business_employee",
        "Rounded up to 1 minutes per entry",
        "Queued a sync of 1 businesses.",
        "Last synced 0 minutes ago.",
        "No rate No rate: project Website has no rate",
        "Held back: Blocked: 1 time entry has no rate.",
        "the the end",
    ],
)
def test_a_developers_draft_is_caught(text):
    assert wording_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "Employee · account 8xJk2 · owner@example.com",
        "Rounded up to 1 minute per entry; 2 minutes per line",
        "Queued a sync of 1 business.",
        "Last synced just now.",
        "No rate\tNo rate\nBilled\tBilled",  # separate table cells and rows
        "1 of 3 drafts done · 1 class · 1 status",
        "Held back: 1 time entry has no rate.",
    ],
)
def test_plain_wording_passes(text):
    assert wording_problems(text) == []


def test_only_serious_and_critical_axe_violations_count():
    response = {
        "violations": [
            {"id": "color-contrast", "impact": "serious", "help": "Contrast", "nodes": []},
            {"id": "region", "impact": "moderate", "help": "Landmarks", "nodes": []},
            {"id": "label", "impact": "critical", "help": "Labels", "nodes": [{"target": ["#x"]}]},
        ]
    }

    found = serious_violations(response)

    assert [line.split(" ")[0] for line in found] == ["color-contrast", "label"]
