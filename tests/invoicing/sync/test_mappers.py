"""Mappers keep FreshBooks' rates as they are written: never rounded, never invented."""

from decimal import Decimal

import pytest

from invoicing.sync.mappers import Unusable, project_columns, rate_value


@pytest.mark.parametrize("text", ["12.345", "0.125", "87.654321", "95.00", "95"])
def test_a_rate_is_parsed_at_the_precision_freshbooks_sent(text):
    assert rate_value({"rate": text}) == Decimal(text)
    assert str(rate_value({"rate": text})) == text
    assert project_columns({"id": 7, "rate": text})["rate"] == Decimal(text)


@pytest.mark.parametrize("text", ["-1.00", "1e20", "100000000000000", "NaN", "abc", ""])
def test_a_rate_that_is_no_rate_is_refused_or_left_empty(text):
    with pytest.raises(Unusable):
        rate_value({"rate": text})
    assert project_columns({"id": 7, "rate": text})["rate"] is None
