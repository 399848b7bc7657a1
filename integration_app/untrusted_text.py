"""Text from FreshBooks (or anyone posting to us) made safe to store and to show.

PostgreSQL text and jsonb cannot hold NUL, so one hostile string would stall a sync for good: NUL
becomes the visible replacement character. Bidirectional overrides and isolates would let a name
reorder what a page shows (``invoice\u202egnp.exe``), so they are dropped from text the pages show;
raw JSON keeps them, as sent.
"""

from __future__ import annotations

from typing import Any

NUL, REPLACEMENT = "\x00", "\ufffd"
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def storable_text(value: str) -> str:
    """Text for a column a page shows: no NUL, no bidirectional controls."""
    if value.isascii() and NUL not in value:
        # The common case (every header of every webhook delivery): nothing to replace.
        return value
    return value.replace(NUL, REPLACEMENT).translate(BIDI_CONTROLS)


def storable_json(value: Any) -> Any:
    """A JSON body as it came, except NUL, so it still loads and saves."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {storable_json(key): storable_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    return value
