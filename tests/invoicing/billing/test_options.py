from datetime import date

import pytest

from invoicing.billing import (
    BillingOptions,
    BillingOptionsError,
    Period,
    RoundingPolicy,
    billing_options_from,
)

TODAY = date(2024, 6, 12)


def test_options_from_form_values_parse_strings():
    parsed = billing_options_from(
        {
            "period": "custom",
            "start": "2024-05-01",
            "end": "2024-05-31",
            "grouping": "project",
            "rounding_increment": "15",
            "rounding_direction": "nearest",
            "rounding_level": "line",
            "unpriced": "bill_zero",
            "max_lines": "200",
            "excluded_client_ids": ["3"],
            "excluded_project_ids": [],
            "excluded_entry_ids": [7, "8"],
        },
        today=TODAY,
    )
    assert parsed == BillingOptions(
        period=Period(date(2024, 5, 1), date(2024, 5, 31)),
        grouping="project",
        rounding=RoundingPolicy(15, "nearest", "line"),
        unpriced="bill_zero",
        max_lines=200,
        excluded_client_ids=frozenset({3}),
        excluded_entry_ids=frozenset({7, 8}),
    )


def test_missing_values_fall_back_to_the_business_policy_and_defaults():
    business_policy = RoundingPolicy(6, "up", "line")
    parsed = billing_options_from({"period": "last_month"}, today=TODAY, defaults=business_policy)
    assert parsed.period == Period(date(2024, 5, 1), date(2024, 5, 31))
    assert parsed.rounding == business_policy
    assert parsed.grouping == "service"
    assert parsed.unpriced == "hold"
    assert parsed.excluded_entry_ids == frozenset()
    assert parsed.max_lines == 400


def test_week_presets_use_the_business_first_day_of_week():
    parsed = billing_options_from({"period": "this_week"}, today=TODAY, first_day_of_week=0)
    assert parsed.period == Period(date(2024, 6, 9), date(2024, 6, 15))


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"grouping": "by_vibes"}, "grouping"),
        ({"rounding_increment": "-15"}, "rounding_increment"),
        ({"rounding_increment": "7"}, "rounding_increment"),
        ({"rounding_increment": "quarter"}, "rounding_increment"),
        ({"rounding_direction": "sideways"}, "rounding_direction"),
        ({"rounding_level": "client"}, "rounding_level"),
        ({"period": "custom", "start": "2024-05-31", "end": "2024-05-01"}, "end"),
        ({"period": "custom", "start": "31/05/2024", "end": "2024-06-01"}, "start"),
        ({"period": "custom", "end": "2024-06-01"}, "start"),
        ({"period": "fortnight"}, "period"),
        ({"unpriced": "maybe"}, "unpriced"),
        ({"excluded_entry_ids": "12"}, "excluded_entry_ids"),
        ({"excluded_entry_ids": ["twelve"]}, "excluded_entry_ids"),
        ({"max_lines": "401"}, "max_lines"),
        ({"max_lines": "0"}, "max_lines"),
        ({"grouping": 3}, "grouping"),
    ],
)
def test_bad_option_values_raise_an_error_naming_the_field(raw, field):
    with pytest.raises(BillingOptionsError) as error:
        billing_options_from(raw, today=TODAY)
    assert error.value.field == field
    assert isinstance(error.value, ValueError)
    assert error.value.message


def test_billing_options_validate_on_construction():
    with pytest.raises(BillingOptionsError) as error:
        BillingOptions(
            period=Period(date(2024, 5, 1), date(2024, 5, 31)),
            grouping="weekly",
            rounding=RoundingPolicy(),
        )
    assert error.value.field == "grouping"
