"""A local user's connection to a FreshBooks identity, and the businesses it connects.

Credentials belong to the FreshBooks *identity*, not to the local user: FreshBooks keeps one live
refresh token per FreshBooks user per app, so two local users connecting the same FreshBooks user
must share one credential or each refresh would kill the other's.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from connections.models.identities import FreshBooksIdentity

# FreshBooks' membership roles, as people say them.
ROLE_LABELS = {
    "owner": "Owner",
    "admin": "Admin",
    "manager": "Manager",
    "employee": "Employee",
    "contractor": "Contractor",
    "client": "Client",
    "business_admin": "Admin",
    "business_manager": "Manager",
    "business_employee": "Employee",
    "business_partner": "Partner",
    "business_accountant": "Accountant",
}


def role_label(role: str) -> str:
    """A FreshBooks role in words; an unknown role loses its prefix and underscores."""
    if role in ROLE_LABELS:
        return ROLE_LABELS[role]
    return role.removeprefix("business_").replace("_", " ").capitalize()


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class Connection(models.Model):
    """A local user's use of a FreshBooks identity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="freshbooks_connections"
    )
    identity = models.ForeignKey(
        FreshBooksIdentity, on_delete=models.PROTECT, related_name="connections"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "identity"], name="unique_connection_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.identity}"


class ConnectedBusiness(models.Model):
    class SyncState(models.TextChoices):
        NEVER = "never", "Not synced yet"
        OK = "ok", "OK"
        RUNNING = "running", "Syncing"
        ERROR = "error", "Error"
        REAUTH_REQUIRED = "reauth_required", "Reconnect needed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="businesses")
    business_id = models.BigIntegerField(help_text="FreshBooks business id (projects, time)")
    account_id = models.CharField(max_length=32, help_text="FreshBooks account id (accounting)")
    business_uuid = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=64)
    timezone = models.CharField(max_length=64, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    active = models.BooleanField(default=True)
    sync_state = models.CharField(max_length=20, choices=SyncState.choices, default=SyncState.NEVER)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "connected businesses"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "business_id"], name="unique_business_per_connection"
            ),
        ]
        indexes = [models.Index(fields=["active", "sync_state"])]

    def __str__(self) -> str:
        # With its owner, so two tenants' businesses of the same name are told apart in admin.
        return f"{self.name} ({self.account_id}) · {self.connection.user.email}"

    @property
    def identity(self) -> FreshBooksIdentity:
        return self.connection.identity

    @property
    def role_label(self) -> str:
        return role_label(self.role)


ACTIVE_BUSINESSES = Q(active=True, connection__disconnected_at__isnull=True)


from connections.webhooks.models import *  # noqa: E402,F403 - webhook models live in their own module
