"""Text from FreshBooks or anyone posting to us, made safe to store and show."""

from __future__ import annotations

import pytest

from integration_app.untrusted_text import storable_json, storable_text


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        pytest.param("a\x00b", "a\ufffdb", id="NUL becomes the replacement character"),
        pytest.param("invoice\u202egnp.exe", "invoicegnp.exe", id="a bidi override is dropped"),
        pytest.param("\u2066isolated\u2069 caf\u00e9", "isolated caf\u00e9", id="isolates dropped"),
        pytest.param("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c", id="other text kept"),
        pytest.param("\x00\u202a", "\ufffd", id="both at once"),
        pytest.param("", "", id="empty"),
    ],
)
def test_storable_text_drops_what_postgresql_or_a_page_cannot_take(sent, stored):
    assert storable_text(sent) == stored


def test_storable_json_replaces_nul_at_any_depth_and_keeps_bidi_controls():
    sent = {"a\x00": ["x\x00", {"b": "\u202e"}], "n": 1, "none": None}

    assert storable_json(sent) == {"a\ufffd": ["x\ufffd", {"b": "\u202e"}], "n": 1, "none": None}
