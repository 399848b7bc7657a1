"""Durations as time trackers and people write them."""

import pytest

from invoicing.hours.durations import BadDuration, duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:30", 5400),
        ("1:30:00", 5400),
        ("0:00:45", 45),
        ("1.5", 5400),
        ("1,5", 5400),
        ("90m", 5400),
        ("90 min", 5400),
        ("1h 30m", 5400),
        ("2h", 7200),
        ("5400s", 5400),
        (" 0.25 ", 900),
    ],
)
def test_each_way_of_writing_a_duration_gives_its_seconds(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:75", "-1", "1:30pm", "h"])
def test_what_is_not_a_duration_says_how_to_write_one(text):
    with pytest.raises(BadDuration):
        duration_seconds(text)
