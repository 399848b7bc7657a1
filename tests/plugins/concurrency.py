"""Code run in separate processes by concurrency tests (importable by `spawn`ed children)."""

from __future__ import annotations

import os


def call_me_as_identity(identity_pk: int, env: dict[str, str], barrier, results) -> None:
    """One worker process: wait for the others, then make an API call as the identity."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_app.settings")
    import django

    django.setup()
    from connections.models import FreshBooksIdentity
    from connections.services.freshbooks_api import api_client_for

    identity = FreshBooksIdentity.objects.get(pk=identity_pk)
    barrier.wait(timeout=60)
    try:
        with api_client_for(identity) as client:
            me = client.me()
        results.put(("ok", me.get("id")))
    except Exception as error:  # reported to the test, which fails on anything but "ok"
        results.put(("error", f"{type(error).__name__}: {error}"))
