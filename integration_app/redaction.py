"""Masking of the secrets that travel in URLs, headers and bodies, for logs and error reports.

One place knows what a secret looks like, and every output uses it: the JSON and text log
formatters, the filter on Django's request loggers, gunicorn's access log and Sentry's
``before_send``. What is masked:

- the webhook token in ``/webhooks/freshbooks/<token>/`` (it alone authenticates a delivery);
- OAuth ``code`` and ``state`` (and ``access_token``, ``refresh_token``, ``client_secret``,
  ``verifier``, ``verification_code``...) as ``name=value`` pairs, in query strings and form bodies;
- the same names as JSON members (``"access_token": "..."``), as FreshBooks' token endpoint uses;
- the credentials after ``Bearer``/``Basic`` in an ``Authorization`` header.

The value becomes ``****``; the names stay, so a reader still sees which parameter was present.
Pure functions of ``str``: no Django, cheap enough for every log line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "****"

#: Names whose values are secrets wherever they appear as ``name=value`` or ``"name": "value"``.
SECRET_PARAMETERS = (
    "code",
    "state",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "verifier",
    "verification_code",
    "password",
)

#: Mapping keys (headers, form fields, JSON members, local variables) whose values are dropped.
SECRET_KEYS = frozenset(
    {
        *SECRET_PARAMETERS,
        "webhook_token",
        "authorization",
        "proxy-authorization",
        "http_authorization",
        "cookie",
        "http_cookie",
        "set-cookie",
        "x-csrftoken",
        "csrfmiddlewaretoken",
        "sessionid",
        "secret",
        "secret_key",
        "password1",
        "password2",
        "oldpassword",
        "db.params",
    }
)

_NAMES = "|".join(sorted(SECRET_PARAMETERS, key=len, reverse=True))

# The path segment after /webhooks/freshbooks/, up to the next slash, query or quote; not the
# route's placeholder ("/webhooks/freshbooks/{token}/" is how Sentry names the transaction).
_WEBHOOK_PATH = re.compile(
    r"(/webhooks/freshbooks/)(?!\{token\}(?:/|$))[^/?#\s\"'<>]+", re.IGNORECASE
)
# name=value in a query string or form body, or name='value' in a repr; not part of a longer name
# (error_code, status_code).
_PARAMETER = re.compile(
    rf"(?<![\w.-])({_NAMES})=(?:'[^']*'|\"[^\"]*\"|[^&;#\s\"'<>]*)", re.IGNORECASE
)
# "name": "value" in JSON (the token endpoint's bodies), 'name': 'value' in a dict's repr.
_JSON_MEMBER = re.compile(rf"""(["'](?:{_NAMES})["']\s*:\s*)(?:"[^"]*"|'[^']*')""", re.IGNORECASE)
# Authorization: Bearer xyz / Basic xyz.
_CREDENTIALS = re.compile(r"\b(Bearer|Basic)\s+[\w.~+/=-]+", re.IGNORECASE)
# A personal API token anywhere (accounts.tokens): fbb_<prefix>_<secret>; the prefix stays.
_API_TOKEN = re.compile(r"\b(fbb_[0-9a-f]{12}_)[\w-]+")


def mask_secrets(text: str) -> str:
    """``text`` with every secret described in this module's docstring replaced by ``****``."""
    if not text or not isinstance(text, str):
        return text
    text = _WEBHOOK_PATH.sub(rf"\g<1>{MASK}", text)
    text = _PARAMETER.sub(rf"\g<1>={MASK}", text)
    text = _JSON_MEMBER.sub(rf'\g<1>"{MASK}"', text)
    text = _API_TOKEN.sub(rf"\g<1>{MASK}", text)
    return _CREDENTIALS.sub(rf"\g<1> {MASK}", text)


def is_secret_key(key: Any) -> bool:
    """A key (header, field, member, variable) whose value is a secret, whatever it looks like.

    The names above, and any ``*_token``, ``*_secret`` or ``*verifier*`` (``webhook_token``,
    ``pending_verifier``, ``x-csrf-token``).
    """
    if not isinstance(key, str):
        return False
    name = key.strip().lower().replace("_", "-")
    return name in _SECRET_KEYS_DASHED or name.endswith(("-token", "-secret")) or "verifier" in name


_SECRET_KEYS_DASHED = frozenset(key.replace("_", "-") for key in SECRET_KEYS)


def scrub(value: Any, *, depth: int = 0) -> Any:
    """A copy of ``value`` (JSON-like data) with secret keys dropped and strings masked."""
    if depth > 20:
        return value
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, Mapping):
        return {
            key: MASK if is_secret_key(key) else scrub(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Header lists come as [name, value] pairs.
        if len(value) == 2 and is_secret_key(value[0]) and isinstance(value[1], str):
            pair = [value[0], MASK]
            return tuple(pair) if isinstance(value, tuple) else pair
        items = [scrub(item, depth=depth + 1) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    return value
