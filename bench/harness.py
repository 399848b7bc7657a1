"""Shared set-up for benchmarks: a throwaway PostgreSQL database, the sandbox, a connected business.

Benchmarks print ratios against a baseline measured in the same run, never absolute limits.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

BENCH_CLIENT = ("bench-client-id", "bench-client-secret", "http://127.0.0.1:9/callback/")


@contextmanager
def bench_database():
    """Create a fresh database, migrate it, drop it afterwards."""
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "APP_ENV": "test",
            "DATABASE_URL": f"{server}/{name}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
            "LOG_LEVEL": "warning",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_sandbox():
    from sandbox.config import RegisteredApp
    from sandbox.process import start_sandbox_process

    client_id, secret, redirect_uri = BENCH_CLIENT
    with tempfile.TemporaryDirectory() as state_dir:
        process = start_sandbox_process(
            0,
            Path(state_dir) / "state.sqlite3",
            control=True,
            apps=[RegisteredApp(client_id, secret, (redirect_uri,))],
        )
        try:
            yield process
        finally:
            process.stop()


def point_app_at(sandbox_process) -> None:
    from django.conf import settings

    from connections.services.freshbooks_api import _rate_gate_for

    client_id, secret, redirect_uri = BENCH_CLIENT
    settings.FRESHBOOKS_API_BASE_URL = sandbox_process.url
    settings.FRESHBOOKS_AUTH_BASE_URL = sandbox_process.url
    settings.FRESHBOOKS_CLIENT_ID = client_id
    settings.FRESHBOOKS_CLIENT_SECRET = secret
    settings.FRESHBOOKS_REDIRECT_URI = redirect_uri
    settings.FRESHBOOKS_RATE_PER_SECOND = 10000.0
    settings.FRESHBOOKS_RATE_BURST = 10000
    _rate_gate_for.cache_clear()


def connect_first_business(sandbox_process, **seed_sizes):
    """Seed the sandbox and connect its first business to a new local user."""
    from accounts.models import User
    from connections.freshbooks import TokenSet
    from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
    from connections.services.tokens import identity_tokens_store

    client_id, secret, redirect_uri = BENCH_CLIENT
    control = sandbox_process.control
    control.reset()
    seeded = control.seed(**seed_sizes)
    owner = seeded["businesses"][0]
    tokens = control.obtain_tokens(
        client_id=client_id,
        client_secret=secret,
        redirect_uri=redirect_uri,
        identity_id=owner["owner_identity_id"],
    )
    identity, _ = FreshBooksIdentity.objects.get_or_create(identity_id=owner["owner_identity_id"])
    identity_tokens_store(identity=identity, token_set=TokenSet.from_token_response(tokens))
    user, _ = User.objects.get_or_create(email=f"bench-{uuid.uuid4().hex[:6]}@example.com")
    connection = Connection.objects.create(user=user, identity=identity)
    return ConnectedBusiness.objects.create(
        connection=connection,
        business_id=owner["business_id"],
        account_id=owner["account_id"],
        business_uuid=owner["business_uuid"],
        name=owner["name"],
        role="owner",
        timezone=owner["timezone"],
    )
