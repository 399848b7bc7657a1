"""Parsing a FreshBooks delivery body and checking its ``X-FreshBooks-Hmac-SHA256`` signature.

FreshBooks signs ``json.dumps({k: str(v) for k, v in form_params.items()})`` (Python's default
separators and ``ensure_ascii``) with the callback's verifier, fields in the order they were posted,
so the body is parsed here, in received order, rather than through ``request.POST``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

MAX_FIELDS = 50


class MalformedDelivery(ValueError):
    """The body is not a form FreshBooks could have sent; ``reason`` is safe to answer with."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def form_fields_parse(body: bytes) -> dict[str, str]:
    """The posted fields in received order; a repeated field keeps its first position."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedDelivery("the body is not UTF-8") from None
    if not text.strip():
        raise MalformedDelivery("the body is empty")
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise MalformedDelivery("a form field is not UTF-8 once decoded") from None
    except ValueError:
        raise MalformedDelivery("the body is not form-encoded") from None
    return dict(pairs)


def signature_compute(*, verifier: str, fields: dict[str, str]) -> str:
    message = json.dumps({key: str(value) for key, value in fields.items()})
    digest = hmac.new(verifier.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_matches(*, verifier: str, fields: dict[str, str], signature: str) -> bool:
    """Constant-time comparison, so response timing reveals nothing about the expected value."""
    if not verifier:
        return False
    expected = signature_compute(verifier=verifier, fields=fields).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "surrogateescape"))
