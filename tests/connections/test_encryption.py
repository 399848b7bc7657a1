"""Tokens are encrypted at rest and key rotation re-encrypts them."""

import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from connections.encryption import _fernet_for
from connections.models import FreshBooksIdentity
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


def _raw_columns(identity_pk):
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM connections_freshbooksidentity WHERE id = %s",
            [identity_pk],
        )
        return cursor.fetchone()


def test_the_database_holds_no_plaintext_token():
    identity = IdentityFactory(access_token="plain-access-123", refresh_token="plain-refresh-456")

    raw_access, raw_refresh = _raw_columns(identity.pk)

    assert "plain-access-123" not in raw_access
    assert "plain-refresh-456" not in raw_refresh
    reloaded = FreshBooksIdentity.objects.get(pk=identity.pk)
    assert reloaded.access_token == "plain-access-123"
    assert reloaded.refresh_token == "plain-refresh-456"


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_of_the_database_contains_no_token():
    IdentityFactory(access_token="dump-access-token-zz9", refresh_token="dump-refresh-token-zz9")
    settings_dict = db.settings_dict

    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--host",
            settings_dict["HOST"] or "127.0.0.1",
            "--port",
            str(settings_dict["PORT"] or 5432),
            "--username",
            settings_dict["USER"] or "postgres",
            settings_dict["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout

    assert "connections_freshbooksidentity" in dump
    assert "dump-access-token-zz9" not in dump
    assert "dump-refresh-token-zz9" not in dump


def test_repr_and_str_never_show_tokens():
    identity = IdentityFactory(access_token="secret-access-x", refresh_token="secret-refresh-y")

    assert "secret" not in repr(identity)
    assert "secret" not in str(identity)


def test_rotation_re_encrypts_with_the_new_first_key(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    identity = IdentityFactory(access_token="rotate-me-access", refresh_token="rotate-me-refresh")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    _fernet_for.cache_clear()

    call_command("rotate_encryption_keys")

    raw_access, _raw_refresh = _raw_columns(identity.pk)
    assert Fernet(new_key).decrypt(raw_access.encode()) == b"rotate-me-access"
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    _fernet_for.cache_clear()
    assert FreshBooksIdentity.objects.get(pk=identity.pk).refresh_token == "rotate-me-refresh"


def test_a_value_encrypted_with_a_removed_key_fails_with_a_clear_message(settings):
    identity = IdentityFactory()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    _fernet_for.cache_clear()

    with pytest.raises(ValueError, match="cannot be decrypted with FIELD_ENCRYPTION_KEYS"):
        FreshBooksIdentity.objects.get(pk=identity.pk)
