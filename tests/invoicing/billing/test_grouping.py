from decimal import Decimal

import pytest

from invoicing.billing import BillingOptionsError, RateRule, RoundingPolicy
from invoicing.billing.grouping import build_lines

from .builders import (
    ACME,
    ANN,
    APP,
    BO,
    DESIGN,
    DEVELOPMENT,
    SUPPORT,
    WEBSITE,
    entry,
    plan,
    utc,
)

# Rates: Website 100 (project rate), App by service (Development 120 on App, Design 90),
# Support by team member (Ann 80).
MONTH_OF_WORK = [
    entry(1, project_id=WEBSITE, service_id=DESIGN, team_member_id=ANN,
          started_at=utc("2024-05-02", "09:00"), minutes=90, note="Homepage mockups"),
    entry(2, project_id=WEBSITE, service_id=DEVELOPMENT, team_member_id=BO,
          started_at=utc("2024-05-02", "14:00"), minutes=30, note="Deploy"),
    entry(3, project_id=APP, service_id=DEVELOPMENT, team_member_id=ANN,
          started_at=utc("2024-05-03", "10:00"), minutes=60),
    entry(4, project_id=APP, service_id=DESIGN, team_member_id=BO,
          started_at=utc("2024-05-06", "10:00"), minutes=120),
    entry(5, project_id=SUPPORT, service_id=None, team_member_id=ANN,
          started_at=utc("2024-05-06", "11:00"), minutes=45),
    entry(6, project_id=WEBSITE, service_id=DESIGN, team_member_id=ANN,
          started_at=utc("2024-05-20", "16:00"), minutes=30),
]  # fmt: skip


def lines_of(grouping, entries=MONTH_OF_WORK, **option_values):
    result = plan(list(entries), grouping=grouping, **option_values)
    (draft,) = result.drafts
    return draft.lines


def summary(lines):
    return [
        (line.name, line.description, str(line.quantity), str(line.unit_cost), line.entry_ids)
        for line in lines
    ]


def test_detailed_has_one_chronological_line_per_entry():
    assert summary(lines_of("detailed")) == [
        ("Design", "2024-05-02, Ann Lee, Homepage mockups", "1.50", "100.00", (1,)),
        ("Development", "2024-05-02, Bo Chen, Deploy", "0.50", "100.00", (2,)),
        ("Development", "2024-05-03, Ann Lee", "1.00", "120.00", (3,)),
        ("Design", "2024-05-06, Bo Chen", "2.00", "90.00", (4,)),
        ("Support", "2024-05-06, Ann Lee", "0.75", "80.00", (5,)),
        ("Design", "2024-05-20, Ann Lee", "0.50", "100.00", (6,)),
    ]


def test_detailed_without_service_or_project_uses_a_generic_name():
    rules = [RateRule(id=1, rate=Decimal("50.00"), client_id=ACME)]
    loose = entry(9, project_id=None, service_id=None, note="Phone call")
    result = plan([loose], rules=rules, grouping="detailed")
    (line,) = result.drafts[0].lines
    assert (line.name, line.description) == ("Professional services", "2024-05-10, Phone call")


def test_service_grouping_has_one_line_per_service_and_rate():
    assert summary(lines_of("service")) == [
        ("Design", "2024-05-06, 2.00 hours", "2.00", "90.00", (4,)),
        ("Design", "2024-05-02 to 2024-05-20, 2.00 hours", "2.00", "100.00", (1, 6)),
        ("Development", "2024-05-02, 0.50 hours", "0.50", "100.00", (2,)),
        ("Development", "2024-05-03, 1.00 hour", "1.00", "120.00", (3,)),
        ("Time without a service", "2024-05-06, 0.75 hours", "0.75", "80.00", (5,)),
    ]


def test_project_grouping_has_one_line_per_project_and_rate():
    assert summary(lines_of("project")) == [
        ("App", "2024-05-06, 2.00 hours", "2.00", "90.00", (4,)),
        ("App", "2024-05-03, 1.00 hour", "1.00", "120.00", (3,)),
        ("Support", "2024-05-06, 0.75 hours", "0.75", "80.00", (5,)),
        ("Website", "2024-05-02 to 2024-05-20, 2.50 hours", "2.50", "100.00", (1, 2, 6)),
    ]


def test_team_member_grouping_has_one_line_per_member_and_rate():
    assert summary(lines_of("team_member")) == [
        ("Ann Lee", "2024-05-06, 0.75 hours", "0.75", "80.00", (5,)),
        ("Ann Lee", "2024-05-02 to 2024-05-20, 2.00 hours", "2.00", "100.00", (1, 6)),
        ("Ann Lee", "2024-05-03, 1.00 hour", "1.00", "120.00", (3,)),
        ("Bo Chen", "2024-05-06, 2.00 hours", "2.00", "90.00", (4,)),
        ("Bo Chen", "2024-05-02, 0.50 hours", "0.50", "100.00", (2,)),
    ]


def test_day_grouping_has_one_chronological_line_per_day_and_rate_naming_services():
    assert summary(lines_of("day")) == [
        ("2024-05-02", "Design, Development", "2.00", "100.00", (1, 2)),
        ("2024-05-03", "Development", "1.00", "120.00", (3,)),
        ("2024-05-06", "Design", "2.00", "90.00", (4,)),
        ("2024-05-06", "Professional services", "0.75", "80.00", (5,)),
        ("2024-05-20", "Design", "0.50", "100.00", (6,)),
    ]


def test_single_grouping_has_one_line_per_rate():
    assert summary(lines_of("single")) == [
        ("Professional services", "2024-05-06, 0.75 hours", "0.75", "80.00", (5,)),
        ("Professional services", "2024-05-06, 2.00 hours", "2.00", "90.00", (4,)),
        ("Professional services", "2024-05-02 to 2024-05-20, 2.50 hours", "2.50", "100.00",
         (1, 2, 6)),
        ("Professional services", "2024-05-03, 1.00 hour", "1.00", "120.00", (3,)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "grouping", ["detailed", "service", "project", "team_member", "day", "single"]
)
def test_every_grouping_bills_the_same_hours_and_total_without_rounding(grouping):
    lines = lines_of(grouping)
    assert sum(line.quantity for line in lines) == Decimal("6.25")
    assert sum(line.amount for line in lines) == Decimal("610.00")


def test_a_line_names_every_source_of_its_rate():
    same_rate_rule = RateRule(id=7, rate=Decimal("100.00"), client_id=ACME, project_id=APP)
    lines = lines_of("single", rules=[same_rate_rule])
    hundred = next(line for line in lines if line.unit_cost == Decimal("100.00"))
    assert hundred.rate_sources == (
        "Project 'Website' hourly rate",
        "Rate rule #7 (client + project)",
    )


THREE_SHORT_CALLS = [
    entry(entry_id, service_id=DESIGN, started_at=utc("2024-05-10", f"1{entry_id}:00"), minutes=20)
    for entry_id in (1, 2, 3)
]


def test_rounding_per_entry_and_per_line_give_different_totals():
    per_entry = lines_of("service", THREE_SHORT_CALLS, increment=15, direction="up", level="entry")
    per_line = lines_of("service", THREE_SHORT_CALLS, increment=15, direction="up", level="line")
    assert (per_entry[0].quantity, per_entry[0].amount) == (Decimal("1.50"), Decimal("150.00"))
    assert (per_line[0].quantity, per_line[0].amount) == (Decimal("1.00"), Decimal("100.00"))
    assert per_entry[0].billed_seconds == {1: 1800, 2: 1800, 3: 1800}
    assert per_line[0].billed_seconds == {1: 1200, 2: 1200, 3: 1200}
    assert per_line[0].raw_seconds == per_entry[0].raw_seconds == 3600


def test_rounding_per_line_spreads_the_rounded_time_over_the_entries():
    lines = lines_of("single", THREE_SHORT_CALLS, increment=30, direction="nearest", level="line")
    assert lines[0].quantity == Decimal("1.00")
    lines = lines_of("single", THREE_SHORT_CALLS[:2], increment=60, direction="up", level="line")
    assert lines[0].billed_seconds == {1: 1800, 2: 1800}
    assert lines[0].quantity == Decimal("1.00")


@pytest.mark.parametrize(
    ("direction", "expected_hours"),
    [("up", "1.50"), ("nearest", "1.50"), ("down", "0.00")],
)
def test_rounding_direction_applies_per_entry(direction, expected_hours):
    lines = lines_of("single", THREE_SHORT_CALLS, increment=30, direction=direction)
    assert str(lines[0].quantity) == expected_hours


def test_raw_durations_are_kept_next_to_the_billed_ones():
    lines = lines_of("detailed", THREE_SHORT_CALLS, increment=60, direction="up")
    assert [line.raw_seconds for line in lines] == [1200, 1200, 1200]
    assert [line.billed_seconds for line in lines] == [{1: 3600}, {2: 3600}, {3: 3600}]


def test_building_lines_with_an_unknown_grouping_is_an_options_error():
    with pytest.raises(BillingOptionsError) as error:
        build_lines([], grouping="weekly", rounding=RoundingPolicy())
    assert error.value.field == "grouping"
