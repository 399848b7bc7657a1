"""Tell the users of a FreshBooks login that it must be reconnected (by email, see notifications).

Called inside the transaction that marks the identity; the email goes after commit, at most once
per identity and user per day, however often workers meet the dead token.
"""

from __future__ import annotations

from django.utils import timezone

from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from notifications.models import Kind
from notifications.services import absolute_url, notification_queue


def identity_reauth_notify(*, identity: FreshBooksIdentity) -> int:
    user_ids = list(
        Connection.objects.filter(identity=identity, disconnected_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    businesses = list(
        ConnectedBusiness.objects.filter(
            connection__identity=identity, connection__disconnected_at__isnull=True, active=True
        )
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    return notification_queue(
        user_ids=user_ids,
        kind=Kind.REAUTH_NEEDED,
        event_key=f"identity:{identity.pk}:{timezone.now().date().isoformat()}",
        subject=f"Reconnect FreshBooks for {identity.display_name}",
        context={
            "identity_name": identity.display_name,
            "businesses": businesses,
            "link": absolute_url("dashboard", fragment="issues"),
            "settings_link": absolute_url("notifications:settings"),
        },
    )
