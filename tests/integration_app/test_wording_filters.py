"""The template filters that keep pages in plain words."""

from datetime import timedelta

from django.utils import timezone

from integration_app.templatetags.wording import ago, dates_unbroken, drop_prefix, label, sentence


def test_under_a_minute_ago_is_just_now_and_later_is_natural():
    now = timezone.now()

    assert ago(now) == "just now"
    assert ago(now - timedelta(seconds=30)) == "just now"
    assert ago(now - timedelta(minutes=1, seconds=5)) == "a minute ago"
    assert ago(now - timedelta(minutes=5)) == "5\xa0minutes ago"
    assert ago(None) == ""


def test_codes_become_words():
    assert label("team_member") == "team member"
    assert label("detailed") == "one line per time entry"
    assert label("bill_zero") == "unpriced time billed as 0.00 lines"
    assert label("completed_with_errors") == "completed with errors"


def test_a_prefix_the_badge_already_says_is_dropped_once():
    assert (
        drop_prefix("Blocked: 1 time entry has no rate.", "Blocked") == "1 time entry has no rate."
    )
    assert drop_prefix("No rate: project X has none", "No rate") == "project X has none"
    assert drop_prefix("Nothing to drop", "Blocked") == "Nothing to drop"


def test_a_sentence_ends_with_a_full_stop():
    assert sentence("has none set") == "has none set."
    assert sentence("Done.") == "Done."
    assert sentence("") == ""


def test_dates_stay_on_one_line_and_the_rest_is_escaped():
    html = dates_unbroken("2026-11-01 to 2026-11-30 <b>")

    assert html == (
        '<span class="nowrap">2026-11-01</span> to <span class="nowrap">2026-11-30</span> &lt;b&gt;'
    )
    assert dates_unbroken("Custom dates") == "Custom dates"
