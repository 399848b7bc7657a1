"""The signed-in user's notification settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from notifications.forms import NotificationSettingsForm
from notifications.selectors import notification_settings_of
from notifications.services import notification_settings_save


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            notification_settings_save(user=request.user, values=form.cleaned_data)
            messages.success(request, "Your notification settings were saved.")
            return redirect("notifications:settings")
    else:
        form = NotificationSettingsForm(initial=notification_settings_of(request.user))
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "email": request.user.email},
    )
