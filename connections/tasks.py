"""Thin Celery tasks for connections: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from connections.services.tokens import identities_refresh_expiring


@shared_task(name="default.refresh_expiring_identity_tokens")
def refresh_expiring_identity_tokens() -> int:
    """Beat: refresh idle identities before their access token expires."""
    return identities_refresh_expiring()
