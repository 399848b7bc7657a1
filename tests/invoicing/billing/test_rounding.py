import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing import BillingOptionsError, RoundingPolicy, round_seconds
from invoicing.billing.rounding import spread_seconds

MINUTE = 60


@pytest.mark.parametrize(
    ("increment", "direction", "raw_minutes", "billed_minutes"),
    [
        (15, "up", 1, 15),
        (15, "up", 15, 15),
        (15, "up", 16, 30),
        (15, "nearest", 7, 0),
        (15, "nearest", 7.5, 15),  # an exact half rounds up
        (15, "nearest", 8, 15),
        (15, "nearest", 22, 15),
        (15, "down", 29, 15),
        (6, "up", 7, 12),
        (6, "nearest", 8, 6),
        (6, "down", 11, 6),
        (10, "up", 11, 20),
        (30, "nearest", 45, 60),
        (60, "down", 119, 60),
        (60, "up", 61, 120),
        (1, "up", 0.5, 1),
        (1, "down", 1.5, 1),
    ],
)
def test_round_seconds_by_increment_and_direction(
    increment, direction, raw_minutes, billed_minutes
):
    policy = RoundingPolicy(increment, direction, "entry")
    assert round_seconds(int(raw_minutes * MINUTE), policy) == billed_minutes * MINUTE


@pytest.mark.parametrize("direction", ["up", "nearest", "down"])
def test_no_increment_bills_raw_seconds(direction):
    assert round_seconds(1234, RoundingPolicy(0, direction)) == 1234


@pytest.mark.parametrize("direction", ["up", "nearest", "down"])
def test_zero_seconds_stay_zero_in_every_direction(direction):
    assert round_seconds(0, RoundingPolicy(15, direction)) == 0


def test_negative_durations_are_refused():
    with pytest.raises(ValueError, match="negative"):
        round_seconds(-1, RoundingPolicy(15, "up"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"increment_minutes": 7}, "rounding_increment"),
        ({"increment_minutes": -15}, "rounding_increment"),
        ({"increment_minutes": "15"}, "rounding_increment"),
        ({"increment_minutes": True}, "rounding_increment"),
        ({"direction": "sideways"}, "rounding_direction"),
        ({"level": "invoice"}, "rounding_level"),
    ],
)
def test_rounding_policy_rejects_out_of_range_values(kwargs, field):
    with pytest.raises(BillingOptionsError) as error:
        RoundingPolicy(**kwargs)
    assert error.value.field == field
    assert error.value.message


def test_rounding_policy_describes_itself_for_the_preview():
    assert RoundingPolicy(15, "up", "entry").describe() == "rounded up to 15 minutes per entry"
    assert (
        RoundingPolicy(6, "nearest", "line").describe()
        == "rounded to the nearest 6 minutes per line"
    )
    assert RoundingPolicy(1, "down").describe() == "rounded down to 1 minute per entry"
    assert RoundingPolicy(0).describe() == "not rounded"


def test_spread_seconds_shares_a_line_total_in_proportion_and_adds_up_exactly():
    shares = spread_seconds({1: 1200, 2: 1200, 3: 1200}, 3600)
    assert shares == {1: 1200, 2: 1200, 3: 1200}
    shares = spread_seconds({1: 600, 2: 600, 3: 600}, 900)
    assert sum(shares.values()) == 900
    assert shares == {1: 300, 2: 300, 3: 300}
    uneven = spread_seconds({5: 1, 6: 1, 7: 1}, 900 + 1)
    assert sum(uneven.values()) == 901
    assert uneven == {5: 301, 6: 300, 7: 300}  # the leftover second goes to the smallest id


def test_spread_seconds_of_zero_raw_time_gives_zero_to_everyone():
    assert spread_seconds({1: 0, 2: 0}, 0) == {1: 0, 2: 0}


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.integers(min_value=0, max_value=100 * 3600),
    increment=st.sampled_from([1, 6, 10, 15, 30, 60]),
    direction=st.sampled_from(["up", "nearest", "down"]),
)
def test_rounded_time_is_a_whole_number_of_increments_less_than_one_away(
    seconds, increment, direction
):
    billed = round_seconds(seconds, RoundingPolicy(increment, direction))
    step = increment * MINUTE
    assert billed % step == 0
    assert abs(billed - seconds) < step
    if direction == "up":
        assert billed >= seconds
    if direction == "down":
        assert billed <= seconds
    if direction == "nearest":
        assert abs(billed - seconds) * 2 <= step


@settings(max_examples=200, deadline=None)
@given(
    raw=st.dictionaries(
        st.integers(min_value=1, max_value=1000), st.integers(0, 36000), min_size=1, max_size=8
    ),
    increment=st.sampled_from([1, 6, 15, 60]),
    direction=st.sampled_from(["up", "nearest", "down"]),
)
def test_spreading_a_rounded_line_keeps_every_entry_and_the_exact_total(raw, increment, direction):
    total = round_seconds(sum(raw.values()), RoundingPolicy(increment, direction, "line"))
    shares = spread_seconds(raw, total)
    assert set(shares) == set(raw)
    assert sum(shares.values()) == total
    assert all(share >= 0 for share in shares.values())
