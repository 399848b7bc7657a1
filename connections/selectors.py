"""Read queries for views and admin. Every user-facing query starts from the user."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness, Connection


def connections_for_user(user) -> QuerySet[Connection]:
    return (
        Connection.objects.filter(user=user, disconnected_at__isnull=True)
        .select_related("identity")
        .prefetch_related(
            Prefetch(
                "businesses",
                queryset=ConnectedBusiness.objects.filter(active=True).order_by("name"),
                to_attr="active_businesses",
            )
        )
        .order_by("created_at")
    )


def connection_for_user(user, connection_id: int) -> Connection:
    """The user's own live connection, or 404 (never 403: another user's id must not leak)."""
    return get_object_or_404(
        Connection.objects.select_related("identity"),
        pk=connection_id,
        user=user,
        disconnected_at__isnull=True,
    )


def business_for_user(user, business_id: int) -> ConnectedBusiness:
    return get_object_or_404(
        ConnectedBusiness.objects.select_related("connection__identity"),
        pk=business_id,
        connection__user=user,
        connection__disconnected_at__isnull=True,
        active=True,
    )


def user_needs_reconnect(user) -> bool:
    return Connection.objects.filter(
        user=user, disconnected_at__isnull=True, identity__state="reauth_required"
    ).exists()
