"""Thin Celery tasks for notifications: take ids, call a service."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from integration_app.enqueue import SEND_NOTIFICATION
from integration_app.retries import retry_countdown
from notifications.services import notification_send, notifications_sweep


@shared_task(bind=True, name=SEND_NOTIFICATION, max_retries=5)
def send_notification(self, notification_id: int) -> str:
    try:
        return notification_send(notification_id=notification_id)
    except (SMTPException, OSError) as error:  # the mail server is down: the row stays pending
        raise self.retry(
            exc=error, countdown=retry_countdown(self.request.retries, factor=30, maximum=900)
        ) from None


@shared_task(name="default.sweep_notifications")
def sweep_notifications() -> int:
    """Beat: resend what a lost task left pending."""
    return notifications_sweep()
