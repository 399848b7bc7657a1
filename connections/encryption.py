"""Secrets at rest: tokens and webhook verifiers are stored Fernet-encrypted.

Keys come from ``FIELD_ENCRYPTION_KEYS``; the first encrypts, every key decrypts, so a new key can
be put first and old rows re-encrypted with ``manage.py rotate_encryption_keys``, no downtime.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "An encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEYS "
            "(was a key removed before rows were rotated?)"
        ) from None


class EncryptedTextField(models.TextField):
    """A text column whose database value is Fernet ciphertext; Python sees plaintext.

    Empty strings stay empty so "no token" needs no ciphertext. The field cannot be filtered on:
    ciphertexts of the same value differ.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
