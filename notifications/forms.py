from __future__ import annotations

from django import forms

from notifications.models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    """Only the on/off boxes: the user is always the signed-in one, never a posted id."""

    class Meta:
        model = NotificationSettings
        fields = ["reauth_needed", "drafts_ready", "failed"]
