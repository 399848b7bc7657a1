"""Reads for the notification settings page (a GET never creates the settings row)."""

from __future__ import annotations

from notifications.models import KIND_FIELDS, NotificationSettings


def notification_settings_of(user) -> dict[str, bool]:
    """Each kind's on/off for the user; every kind is on until the user saves the page."""
    preferences = NotificationSettings.objects.filter(user=user).first()
    if preferences is None:
        return dict.fromkeys(KIND_FIELDS.values(), True)
    return {field: bool(getattr(preferences, field)) for field in KIND_FIELDS.values()}
