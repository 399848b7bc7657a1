"""Queue and send notifications: once per user and event, only the kinds a user wants.

Callers (connections, invoicing) describe the event in words and links; this package knows no
FreshBooks or invoicing model, so connections can use it without reaching into invoicing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integration_app.enqueue import SEND_NOTIFICATION, enqueue_on_commit
from notifications.models import KIND_FIELDS, Kind, Notification, NotificationSettings

logger = logging.getLogger(__name__)

Status = Notification.Status
# A pending row older than this was lost with its task (broker down, worker killed): resend.
SWEEP_AFTER = timedelta(minutes=2)
# Older pending rows are stale news; the sweeper leaves them.
SWEEP_WINDOW = timedelta(days=2)


def absolute_url(view_name: str, *args: object, fragment: str = "") -> str:
    """A link for an email: the app's public address, a path, and an optional #fragment."""
    path = reverse(view_name, args=args)
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}{'#' + fragment if fragment else ''}"


def notification_queue(
    *,
    user_ids: Iterable[int],
    kind: Kind,
    event_key: str,
    subject: str,
    context: Mapping[str, Any],
) -> int:
    """Record the event for each user (once: a second call for the same event adds nothing) and
    send it after the caller's transaction commits. Returns how many users it was new for."""
    users = sorted(set(user_ids))
    if not users:
        return 0
    body = render_to_string(f"notifications/email/{kind.value}.txt", dict(context))
    existing = set(
        Notification.objects.filter(user_id__in=users, kind=kind, event_key=event_key).values_list(
            "user_id", flat=True
        )
    )
    # ON CONFLICT DO NOTHING: a concurrent notice of the same event inserts nothing either.
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                event_key=event_key[:200],
                subject=subject[:255],
                body=body,
            )
            for user_id in users
            if user_id not in existing
        ],
        ignore_conflicts=True,
    )
    pending = Notification.objects.filter(
        user_id__in=users, kind=kind, event_key=event_key[:200], status=Status.PENDING
    ).values_list("pk", flat=True)
    for notification_id in pending:
        enqueue_on_commit(SEND_NOTIFICATION, notification_id)
    return len(set(users) - existing)


def notification_send(*, notification_id: int) -> str:
    """Send one pending notification; returns its status afterwards.

    The row lock makes two deliveries of the same task (a retry, a sweep racing a worker) send
    one email: the second waits for the first, then finds the row no longer pending.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "missing"
        if notification.status != Status.PENDING:
            return notification.status
        if not kind_wanted(user_id=notification.user_id, kind=notification.kind):
            notification.status = Status.SKIPPED
        else:
            send_mail(
                f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
                notification.body,
                None,
                [notification.user.email],
            )
            notification.status = Status.SENT
            notification.sent_at = timezone.now()
        notification.save(update_fields=["status", "sent_at"])
        logger.info("notification %s %s", notification.pk, notification.status)
        return notification.status


def kind_wanted(*, user_id: int, kind: str) -> bool:
    preferences = NotificationSettings.objects.filter(user_id=user_id).first()
    return preferences is None or preferences.wants(kind)


def notification_settings_save(*, user, values: Mapping[str, bool]) -> NotificationSettings:
    """Store the user's own choices (the view passes request.user; no id comes from the form)."""
    preferences, _ = NotificationSettings.objects.get_or_create(user=user)
    for field in KIND_FIELDS.values():
        setattr(preferences, field, bool(values.get(field, False)))
    preferences.save()
    return preferences


def notifications_sweep(*, now=None) -> int:
    """Beat: re-enqueue pending notifications whose task was lost."""
    now = now or timezone.now()
    pending = list(
        Notification.objects.filter(
            status=Status.PENDING,
            created_at__lt=now - SWEEP_AFTER,
            created_at__gte=now - SWEEP_WINDOW,
        ).values_list("pk", flat=True)[:500]
    )
    for notification_id in pending:
        enqueue_on_commit(SEND_NOTIFICATION, notification_id)
    return len(pending)
