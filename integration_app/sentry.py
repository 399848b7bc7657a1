"""Error reports to Sentry, switched on by ``SENTRY_DSN`` and scrubbed of tokens and verifiers.

Off unless ``SENTRY_DSN`` is set. On: the Django and Celery integrations (plus the SDK's default
logging integration: ERROR records become events, lower ones breadcrumbs), no personal data
(``send_default_pii=False``: no user, IP address, cookies or auth headers), and every event,
transaction and breadcrumb passes through :func:`before_send` / :func:`before_breadcrumb`, which
drop the values of secret keys and mask secrets in every string with the same rules as the logs
(:mod:`integration_app.redaction`):

- OAuth ``code`` and ``state`` in query strings, URLs, referrers and form data;
- ``access_token``, ``refresh_token``, ``client_secret`` in bodies, JSON, reprs and local variables;
- ``Authorization`` (and ``Cookie``) headers;
- the webhook token in ``/webhooks/freshbooks/<token>/`` (URLs, messages, the view's ``token``
  variable);
- ``verifier`` / ``verification_code`` fields (FreshBooks' webhook verification).

Events are tagged with the request id of the request (or the task) that raised them, so a report
leads straight to its log lines.
"""

from __future__ import annotations

from typing import Any

from integration_app.logging import request_id_var
from integration_app.redaction import scrub


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    scrubbed = scrub(event)
    request_id = request_id_var.get()
    if request_id:
        scrubbed.setdefault("tags", {})["request_id"] = request_id
    return scrubbed


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    return scrub(crumb)


def sentry_options(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> dict[str, Any]:
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    return {
        "dsn": dsn,
        "environment": environment,
        "release": release or None,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "before_send": before_send,
        "before_send_transaction": before_send,
        "before_breadcrumb": before_breadcrumb,
        "traces_sample_rate": traces_sample_rate,
    }


def sentry_init(**options: Any) -> None:
    """Called from settings.py when ``SENTRY_DSN`` is set (web, worker and beat load it)."""
    import sentry_sdk

    sentry_sdk.init(**sentry_options(**options))
