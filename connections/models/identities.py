"""A FreshBooks login (identity) and its encrypted, rotating OAuth tokens."""

from __future__ import annotations

from django.db import models

from connections.encryption import EncryptedTextField


class FreshBooksIdentity(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REAUTH_REQUIRED = "reauth_required", "Reconnect needed"
        REVOKED = "revoked", "Revoked"

    identity_id = models.BigIntegerField(unique=True, help_text="FreshBooks identity id")
    identity_uuid = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    # /me business memberships, without FreshBooks' per-membership fasttrack tokens.
    memberships = models.JSONField(default=list, blank=True)

    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    # Not a secret, and the beat refresher must query it, so it stays in clear.
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "FreshBooks identity"
        verbose_name_plural = "FreshBooks identities"
        indexes = [models.Index(fields=["state", "access_token_expires_at"])]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip() or self.email
        return f"{name} (FreshBooks identity {self.identity_id})"

    def __repr__(self) -> str:  # never show tokens, even in a debugger or a log line
        return f"<FreshBooksIdentity {self.identity_id} {self.state}>"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email
