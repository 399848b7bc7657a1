"""Money, decimals, dates and the two datetime conventions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connections.freshbooks import (
    parse_accounting_datetime,
    parse_date,
    parse_decimal,
    parse_money,
    parse_utc_datetime,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"amount": "41.94", "code": "CAD"}, (Decimal("41.94"), "CAD")),
        ({"amount": 10, "code": "usd"}, (Decimal("10"), "USD")),
        ({"amount": "-4.40", "code": "CAD"}, (Decimal("-4.40"), "CAD")),
        ("27.00", (Decimal("27.00"), "")),
        (5, (Decimal("5"), "")),
    ],
)
def test_money_parses_objects_and_bare_decimals(value, expected):
    assert parse_money(value) == expected


def test_money_keeps_every_digit_freshbooks_sends():
    amount, _ = parse_money({"amount": "7.60133524082021936099189318", "code": "CAD"})
    assert str(amount) == "7.60133524082021936099189318"


@pytest.mark.parametrize(
    "value",
    [None, "", "abc", "NaN", "Infinity", True, {"code": "CAD"}, {"amount": None}, [1], 1.5j],
)
def test_bad_money_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_money(value)


def test_decimal_treats_empty_as_absent_and_rejects_garbage():
    assert parse_decimal(None) is None
    assert parse_decimal("  ") is None
    assert parse_decimal(" 10.50 ") == Decimal("10.50")
    with pytest.raises(ValueError, match="not a decimal"):
        parse_decimal("ten")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-04-16 10:31:19", utc(2021, 4, 16, 14, 31, 19)),  # EDT, UTC-4
        ("2021-01-16 10:31:19", utc(2021, 1, 16, 15, 31, 19)),  # EST, UTC-5
        ("2021-04-16 10:31:58.480684", utc(2021, 4, 16, 14, 31, 58, 480684)),
        ("2020-12-31 23:30:00", utc(2021, 1, 1, 4, 30, 0)),  # crosses the year in UTC
        ("2020-11-01 01:30:00", utc(2020, 11, 1, 5, 30, 0)),  # ambiguous hour: first (EDT)
        ("2021-03-14 02:30:00", utc(2021, 3, 14, 7, 30, 0)),  # skipped hour: EST offset
    ],
)
def test_accounting_datetimes_are_us_eastern_turned_into_utc(text, expected):
    parsed = parse_accounting_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["2021-04-16T10:31:19", "2021-04-16 10:31:19Z", "2021-04-16", "2019-09-13 08:16:74", "", None],
)
def test_bad_accounting_datetimes_are_value_errors(text):
    with pytest.raises(ValueError, match="accounting datetime"):
        parse_accounting_datetime(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-10-17T05:00:00Z", utc(2020, 10, 17, 5, 0, 0)),
        ("2020-09-13T01:07:51", utc(2020, 9, 13, 1, 7, 51)),
        ("2016-08-16T20:00:00.000Z", utc(2016, 8, 16, 20, 0, 0)),
        ("2023-04-27T14:33:48.841075Z", utc(2023, 4, 27, 14, 33, 48, 841075)),
        ("2024-06-01T09:00:00+02:00", utc(2024, 6, 1, 7, 0, 0)),
        ("2020-10-31 15:25:34", utc(2020, 10, 31, 15, 25, 34)),
    ],
)
def test_utc_datetimes_with_or_without_zone_are_aware_utc(text, expected):
    parsed = parse_utc_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2020-11-219T13:22:04", "2020-09-13", "yesterday", "2020-02-30T00:00:00Z", 0]
)
def test_bad_utc_datetimes_are_value_errors(text):
    with pytest.raises(ValueError, match="datetime"):
        parse_utc_datetime(text)


def test_dates_parse_and_impossible_dates_fail():
    assert parse_date("2021-01-02") == date(2021, 1, 2)
    for bad in ["2021-02-30", "20210102", "2021-01-02T00:00:00", None]:
        with pytest.raises(ValueError, match="date"):
            parse_date(bad)
