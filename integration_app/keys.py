"""Fernet keys for FIELD_ENCRYPTION_KEYS; `python -m integration_app.keys` prints a new one."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured


def field_encryption_keys(keys: list[str], *, secret_key: str, production: bool) -> list[str]:
    """Checked keys; outside production, one derived from SECRET_KEY when none is given."""
    if not keys:
        if production:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
        digest = hashlib.sha256(("field-encryption:" + secret_key).encode()).digest()
        return [base64.urlsafe_b64encode(digest).decode()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position} is not a Fernet key "
                "(generate one with `python -m integration_app.keys`)"
            ) from None
    return keys


if __name__ == "__main__":
    print(Fernet.generate_key().decode())  # noqa: T201 - this module's output is the key
