"""Which of an identity's FreshBooks businesses a user connects, and disconnecting them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, FreshBooksError
from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from connections.models.businesses import role_label
from connections.services import business_hooks
from connections.services.freshbooks_api import api_client_for, oauth_client
from connections.services.tokens import ReauthorizationRequired

logger = logging.getLogger(__name__)

CLIENT_ONLY_REASON = (
    "You are a client of this business in FreshBooks: it has no account of yours to bill from."
)


@dataclass(frozen=True)
class MembershipChoice:
    business_id: int
    account_id: str | None
    business_uuid: str
    name: str
    role: str
    timezone: str
    connectable: bool
    reason: str
    connected: bool
    # Connected through this login before (removed, or the login was disconnected).
    connected_before: bool = False

    @property
    def role_label(self) -> str:
        return role_label(self.role)


def membership_choices(*, connection: Connection) -> list[MembershipChoice]:
    """Every /me membership, marked connectable or not (with the reason) and already connected."""
    connected_ids = set(
        connection.businesses.filter(active=True).values_list("business_id", flat=True)
    )
    before_ids = set(
        connection.businesses.filter(active=False).values_list("business_id", flat=True)
    )
    choices = []
    for membership in connection.identity.memberships:
        business = membership["business"]
        if not business["account_id"] or membership["role"] == "client":
            connectable, reason = False, CLIENT_ONLY_REASON
        elif not business["active"]:
            connectable, reason = False, "This business is inactive in FreshBooks."
        else:
            connectable, reason = True, ""
        choices.append(
            MembershipChoice(
                business_id=business["id"],
                account_id=business["account_id"],
                business_uuid=business["business_uuid"],
                name=business["name"],
                role=membership["role"],
                timezone=business["timezone"],
                connectable=connectable,
                reason=reason,
                connected=business["id"] in connected_ids,
                connected_before=business["id"] in before_ids,
            )
        )
    return sorted(choices, key=lambda choice: (not choice.connectable, choice.name.lower()))


class BusinessSelectionError(ValueError):
    pass


def businesses_select(*, connection: Connection, business_ids: set[int]) -> tuple[int, int]:
    """Connect exactly the chosen businesses; returns (added, removed).

    A business can only be chosen if the identity's /me lists it as connectable, so a forged form
    cannot attach someone else's business.
    """
    choices = {choice.business_id: choice for choice in membership_choices(connection=connection)}
    unknown = business_ids - set(choices)
    if unknown:
        raise BusinessSelectionError("Some of the chosen businesses are not yours in FreshBooks.")
    refused = [
        choices[business_id] for business_id in business_ids if not choices[business_id].connectable
    ]
    if refused:
        raise BusinessSelectionError(f"{refused[0].name} cannot be connected: {refused[0].reason}")

    added: list[int] = []
    with transaction.atomic():
        Connection.objects.select_for_update().get(pk=connection.pk)
        existing = {business.business_id: business for business in connection.businesses.all()}
        for business_id in sorted(business_ids):
            choice = choices[business_id]
            business = existing.get(business_id)
            if business is None:
                business = ConnectedBusiness(connection=connection, business_id=business_id)
            elif business.active:
                continue
            business.account_id = choice.account_id or ""
            business.business_uuid = choice.business_uuid
            business.name = choice.name
            business.role = choice.role
            business.timezone = choice.timezone
            business.active = True
            business.save()
            added.append(business.pk)
        removed = [
            business
            for business_id, business in existing.items()
            if business.active and business_id not in business_ids
        ]
        for business in removed:
            business.active = False
            business.save(update_fields=["active", "updated_at"])
        for business_pk in added:
            business_hooks.run_on_connect(business_pk)
    if removed:
        _remote_callbacks_remove(connection=connection, businesses=removed)
    return len(added), len(removed)


def identity_businesses_resume(*, identity: FreshBooksIdentity) -> list[int]:
    """After a reconnect: businesses paused by the lost access stop saying "reconnect" at once
    and catch up with a sync (a business hook), instead of waiting for the next scheduled one."""
    paused = list(
        ConnectedBusiness.objects.filter(
            connection__identity=identity,
            connection__disconnected_at__isnull=True,
            active=True,
            sync_state=ConnectedBusiness.SyncState.REAUTH_REQUIRED,
        ).values_list("pk", "last_synced_at")
    )
    for business_pk, last_synced_at in paused:
        ConnectedBusiness.objects.filter(pk=business_pk).update(
            sync_state=(
                ConnectedBusiness.SyncState.OK
                if last_synced_at
                else ConnectedBusiness.SyncState.NEVER
            ),
            last_error="",
            updated_at=timezone.now(),
        )
        business_hooks.run_on_reconnect(business_pk)
    return [business_pk for business_pk, _ in paused]


def business_webhook_url(business: ConnectedBusiness) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/freshbooks/{business.webhook_token}/"


def callback_id_of(callback: dict[str, Any]) -> int | None:
    """FreshBooks' id of a callback it listed or created, or None when it has no readable one."""
    value = callback.get("callbackid", callback.get("id"))
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _remote_callbacks_remove(
    *, connection: Connection, businesses: list[ConnectedBusiness]
) -> list[str]:
    """Delete this app's FreshBooks callbacks of these businesses; returns what failed."""
    failures: list[str] = []
    if connection.identity.state != FreshBooksIdentity.State.ACTIVE:
        return [f"{business.name}: FreshBooks access was lost" for business in businesses]
    try:
        client = api_client_for(connection.identity)
    except FreshBooksError as error:
        return [str(error)]
    with client:
        for business in businesses:
            try:
                _callbacks_delete(client=client, business=business)
            except (FreshBooksError, ReauthorizationRequired) as error:
                logger.warning("could not remove callbacks of business %s: %s", business.pk, error)
                failures.append(f"{business.name}: {error}")
    return failures


def _callbacks_delete(*, client: FreshBooksClient, business: ConnectedBusiness) -> None:
    webhook_url = business_webhook_url(business)
    for callback in list(client.iter_callbacks(business.account_id)):
        callback_id = callback_id_of(callback)
        # One without a readable id cannot be addressed (the URL would end in "None").
        if callback.get("uri") == webhook_url and callback_id is not None:
            client.delete_callback(business.account_id, callback_id)
    business_hooks.run_on_callbacks_removed(business.pk)


@dataclass(frozen=True)
class DisconnectOutcome:
    remote_failures: list[str]

    @property
    def fully_disconnected(self) -> bool:
        return not self.remote_failures


def connection_disconnect(*, connection: Connection, delete_local_data: bool) -> DisconnectOutcome:
    """Remove webhooks, revoke FreshBooks access (unless another user still uses the identity),
    then disconnect locally whatever FreshBooks answered."""
    identity = connection.identity
    businesses = list(connection.businesses.filter(active=True))
    failures = _remote_callbacks_remove(connection=connection, businesses=businesses)
    shared = identity.connections.filter(disconnected_at__isnull=True).exclude(pk=connection.pk)
    if not shared.exists():
        failures += _identity_revoke(identity=identity)

    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        connection.disconnected_at = timezone.now()
        connection.save(update_fields=["disconnected_at"])
        if delete_local_data:
            connection.businesses.all().delete()
        else:
            connection.businesses.update(active=False, updated_at=timezone.now())
    return DisconnectOutcome(remote_failures=failures)


def _identity_revoke(*, identity: FreshBooksIdentity) -> list[str]:
    with transaction.atomic():
        identity = FreshBooksIdentity.objects.select_for_update().get(pk=identity.pk)
        refresh_token = identity.refresh_token
        failures = []
        if refresh_token and identity.state == FreshBooksIdentity.State.ACTIVE:
            try:
                oauth_client().revoke(refresh_token)
            except FreshBooksError as error:
                logger.warning("could not revoke identity %s: %s", identity.identity_id, error)
                failures.append(f"FreshBooks access could not be revoked: {error}")
        identity.access_token = ""
        identity.refresh_token = ""
        identity.access_token_expires_at = None
        identity.state = FreshBooksIdentity.State.REVOKED
        identity.save()
    return failures
