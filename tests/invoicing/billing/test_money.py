from decimal import Decimal

import pytest

from invoicing.billing.money import (
    hours_from_seconds,
    line_amount,
    quantize_cents,
    rate_normalized,
    rate_text,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.345"), Decimal("2.35")),
        (Decimal("2.344"), Decimal("2.34")),
        (Decimal("-2.345"), Decimal("-2.35")),
        ("10", Decimal("10.00")),
        (7, Decimal("7.00")),
    ],
)
def test_quantize_cents_rounds_half_up(value, expected):
    assert quantize_cents(value) == expected
    assert str(quantize_cents(value)) == str(expected)


def test_quantize_cents_refuses_floats_because_they_are_not_exact():
    with pytest.raises(TypeError):
        quantize_cents(0.1)


def test_quantize_cents_refuses_non_finite_values():
    with pytest.raises(ValueError, match="finite"):
        quantize_cents(Decimal("NaN"))


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [
        (0, "0.00"),
        (3600, "1.00"),
        (60, "0.02"),  # 0.01666... rounds half up to 0.02
        (18, "0.01"),  # exactly 0.005 h rounds up
        (17, "0.00"),
        (5400, "1.50"),
        (1200, "0.33"),
    ],
)
def test_hours_from_seconds_has_two_places_half_up(seconds, hours):
    assert str(hours_from_seconds(seconds)) == hours


def test_line_amount_is_quantity_times_unit_cost_rounded_to_cents():
    assert line_amount(Decimal("0.33"), Decimal("33.33")) == Decimal("11.00")  # 10.9989
    assert line_amount(Decimal("1.25"), Decimal("10.10")) == Decimal("12.63")  # 12.625 half up


def test_a_line_amount_uses_the_rate_at_full_precision():
    # 3 h x 12.345 = 37.035 -> 37.04; a rate rounded first would give 3 x 12.35 = 37.05.
    assert line_amount(Decimal("3.00"), Decimal("12.345")) == Decimal("37.04")
    assert line_amount(Decimal("0.50"), Decimal("12.345")) == Decimal("6.17")  # 6.1725


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("12.345000", "12.345"),
        ("12.345", "12.345"),
        ("95", "95.00"),
        ("125.000000", "125.00"),
        ("1.500000", "1.50"),
        ("0.000001", "0.000001"),
        ("1E+2", "100.00"),
    ],
)
def test_a_rate_keeps_its_value_and_reads_with_at_least_two_places(stored, shown):
    assert rate_text(stored) == shown
    assert rate_normalized(stored) == Decimal(stored)  # the value never changes
