"""gunicorn's logger with the secrets of our URLs masked in the access log.

gunicorn writes the raw request line, path, query string, referrer and any header or environ
variable named in ``access_log_format``. The OAuth callback's query string carries the one-time
authorization ``code`` and ``state``; the webhook URL's last segment is the token that alone
authenticates a FreshBooks delivery; a page rendered at the callback URL sends it as the Referer of
its stylesheet request. Every atom is masked with the same rules as the app's logs, and
credentials headers are dropped, before gunicorn formats the line.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from integration_app.redaction import MASK, is_secret_key, mask_secrets


def mask_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    masked = {}
    for key, value in atoms.items():
        name = key[1:-2] if key.startswith("{") and key[-2:] in ("}i", "}o", "}e") else key
        if is_secret_key(name):
            masked[key] = MASK
        elif isinstance(value, str):
            masked[key] = mask_secrets(value)
        else:
            masked[key] = value
    return masked


class MaskingLogger(Logger):
    """``logger_class`` for gunicorn (see integration_app/gunicorn.conf.py)."""

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        return mask_atoms(super().atoms(resp, req, environ, request_time))
