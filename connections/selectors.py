"""Read queries for views and admin. Every user-facing query starts from the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity, WebhookDelivery

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@dataclass(frozen=True)
class Health:
    """One badge: `key` is stable (tests, CSS), `label` is what people read."""

    key: str
    label: str
    advice: str = ""

    @property
    def tone(self) -> str:
        return HEALTH_TONES[self.key]


HEALTHY, SYNCING, ERROR, RECONNECT, DISCONNECTED = (
    "healthy",
    "syncing",
    "error",
    "reconnect",
    "disconnected",
)
HEALTH_TONES = {
    HEALTHY: "ok",
    SYNCING: "warn",
    ERROR: "error",
    RECONNECT: "error",
    DISCONNECTED: "muted",
}


def identity_health(identity: FreshBooksIdentity) -> Health:
    if identity.state == FreshBooksIdentity.State.REAUTH_REQUIRED:
        return Health(
            RECONNECT, "Reconnect needed", "FreshBooks access was lost: reconnect FreshBooks."
        )
    if identity.state == FreshBooksIdentity.State.REVOKED:
        return Health(DISCONNECTED, "Disconnected")
    if identity.consecutive_failures:
        return Health(
            ERROR,
            "Error",
            "FreshBooks could not be reached lately; the app keeps retrying on its own.",
        )
    return Health(HEALTHY, "Healthy")


def business_health(business: ConnectedBusiness, identity: FreshBooksIdentity) -> Health:
    """The identity is passed in so a list of businesses costs no query per row."""
    state = ConnectedBusiness.SyncState
    if not business.active:
        return Health(DISCONNECTED, "Disconnected")
    if (
        identity.state == FreshBooksIdentity.State.REAUTH_REQUIRED
        or business.sync_state == state.REAUTH_REQUIRED
    ):
        return Health(
            RECONNECT, "Reconnect needed", "FreshBooks access was lost: reconnect FreshBooks."
        )
    if identity.state == FreshBooksIdentity.State.REVOKED:
        return Health(DISCONNECTED, "Disconnected")
    if business.sync_state == state.ERROR:
        return Health(ERROR, "Error", "The last sync failed; press Sync now to try again.")
    if business.sync_state == state.RUNNING:
        return Health(SYNCING, "Syncing")
    if business.sync_state == state.NEVER:
        return Health(SYNCING, "Waiting for first sync")
    return Health(HEALTHY, "Healthy")


def last_webhook_received_subquery() -> Subquery:
    return Subquery(
        WebhookDelivery.objects.filter(business=OuterRef("pk"))
        .values("business")
        .annotate(latest=Max("received_at"))
        .values("latest")[:1]
    )


def connections_for_user(user) -> QuerySet[Connection]:
    """Live connections with their active businesses (each with `last_webhook_at`)."""
    return (
        Connection.objects.filter(user=user, disconnected_at__isnull=True)
        .select_related("identity")
        .prefetch_related(
            Prefetch(
                "businesses",
                queryset=ConnectedBusiness.objects.filter(active=True)
                .annotate(last_webhook_at=last_webhook_received_subquery())
                .order_by("name"),
                to_attr="active_businesses",
            )
        )
        .order_by("created_at")
    )


class DashboardBusinessAttributes(TypedDict):
    last_webhook_at: datetime | None  # annotated by connections_for_user
    health: Health  # set by dashboard_connections


class DashboardConnectionAttributes(TypedDict):
    # The prefetch's `to_attr` in connections_for_user.
    active_businesses: list[WithAnnotations[ConnectedBusiness, DashboardBusinessAttributes]]
    health: Health  # set by dashboard_connections


def dashboard_connections(
    user,
) -> list[WithAnnotations[Connection, DashboardConnectionAttributes]]:
    """`connections_for_user`, each connection and business carrying its `health`."""
    # The stubs cannot follow a prefetch's to_attr nor an annotation inside a Prefetch; the loop
    # below sets both healths before the list leaves this function.
    connections = cast(
        "list[WithAnnotations[Connection, DashboardConnectionAttributes]]",
        list(connections_for_user(user)),
    )
    for connection in connections:
        connection.health = identity_health(connection.identity)
        for business in connection.active_businesses:
            business.health = business_health(business, connection.identity)
    return connections


def connection_for_user(user, connection_id: int) -> Connection:
    """The user's own live connection, or 404 (never 403: another user's id must not leak)."""
    return get_object_or_404(
        Connection.objects.select_related("identity"),
        pk=connection_id,
        user=user,
        disconnected_at__isnull=True,
    )


def live_connection_for_user(user, connection_id: int) -> Connection | None:
    return (
        Connection.objects.select_related("identity")
        .filter(pk=connection_id, user=user, disconnected_at__isnull=True)
        .first()
    )


def disconnected_businesses_for_user(user) -> QuerySet[ConnectedBusiness]:
    """Businesses no longer connected whose synced history was kept (read-only)."""
    return (
        ConnectedBusiness.objects.filter(connection__user=user)
        .exclude(active=True, connection__disconnected_at__isnull=True)
        .select_related("connection__identity")
        .order_by("name", "pk")
    )


def business_for_user(user, business_id: int) -> ConnectedBusiness:
    return get_object_or_404(
        ConnectedBusiness.objects.select_related("connection__identity"),
        pk=business_id,
        connection__user=user,
        connection__disconnected_at__isnull=True,
        active=True,
    )


def owned_business_for_user(user, business_id: int) -> ConnectedBusiness:
    """The user's business even when removed or disconnected, so a stale page's button can say
    what happened instead of a bare 404. Another user's id is still a 404."""
    return get_object_or_404(
        ConnectedBusiness.objects.select_related("connection__identity"),
        pk=business_id,
        connection__user=user,
    )


def business_is_connected(business: ConnectedBusiness) -> bool:
    return business.active and business.connection.disconnected_at is None


def business_identity_is_active(business: ConnectedBusiness) -> bool:
    """False while FreshBooks access is lost (reconnect needed or revoked)."""
    return business.connection.identity.state == FreshBooksIdentity.State.ACTIVE


def businesses_for_user(user) -> QuerySet[ConnectedBusiness]:
    """The user's connected businesses (live connections, active businesses), by name."""
    return (
        ConnectedBusiness.objects.select_related("connection__identity")
        .filter(connection__user=user, connection__disconnected_at__isnull=True, active=True)
        .order_by("name", "pk")
    )
