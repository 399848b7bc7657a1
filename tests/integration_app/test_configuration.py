"""Start-up configuration: production is locked down, bad values stop start-up in one line."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.plugins.processes import REPO_ROOT

PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "p" * 30 + "-production-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "billing.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/freshbooks_billing",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "FRESHBOOKS_CLIENT_ID": "real-client-id",
    "FRESHBOOKS_CLIENT_SECRET": "real-client-secret",
    "PUBLIC_BASE_URL": "https://billing.example.com",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_settings_has_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("APP_ENV", "staging", "APP_ENV must be one of development, test, production"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must be a postgres:// or sqlite:/// URL"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "DATABASE_URL must name a PostgreSQL database"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with redis://"),
        ("DATABASE_CONN_MAX_AGE", "ten", "DATABASE_CONN_MAX_AGE must be a whole number"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-key", "FIELD_ENCRYPTION_KEYS entry 1 is not a Fernet key"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of json, text"),
        ("TRUSTED_PROXY_COUNT", "one", "TRUSTED_PROXY_COUNT must be a whole number"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2", "SENTRY_TRACES_SAMPLE_RATE must be between 0.0 and 1.0"),
    ],
)
def test_a_malformed_value_stops_start_up_with_one_line_naming_it(variable, value, message):
    result = _manage("check", env={"APP_ENV": "development", variable: value})

    assert result.returncode == 2
    assert result.stderr.startswith(f"Configuration error: {message}")
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = _manage("check", env=env)

    assert result.returncode == 2
    assert missing in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_production_refuses_the_development_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "short"}

    result = _manage("check", env=env)

    assert result.returncode == 2
    assert "SECRET_KEY must be a unique value" in result.stderr


def test_the_default_redirect_uri_keeps_its_trailing_slash_as_registered_at_freshbooks():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.FRESHBOOKS_REDIRECT_URI)",
        env={"APP_ENV": "development", "PUBLIC_BASE_URL": "http://127.0.0.1:8123/"},
    )

    assert result.stdout.strip().splitlines()[-1] == (
        "http://127.0.0.1:8123/connections/oauth/callback/"
    )
