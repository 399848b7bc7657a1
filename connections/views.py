"""Connect FreshBooks: start OAuth, take the callback, pick businesses, disconnect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections import panels, selectors
from connections.forms import BusinessPickerForm, DisconnectForm
from connections.freshbooks import FreshBooksError
from connections.services import businesses as business_services
from connections.services import oauth
from connections.services.tokens import ReauthorizationRequired, identity_error_record
from connections.webhooks.subscriptions import webhook_subscriptions_request


@login_required
@require_GET
def dashboard(request):
    """Every live FreshBooks login of the user with its businesses, health and actions."""
    connections = selectors.dashboard_connections(request.user)
    return render(
        request,
        "connections/dashboard.html",
        {
            "connections": connections,
            "needs_reconnect": any(
                connection.health.key == selectors.RECONNECT for connection in connections
            ),
            "panels": panels.panels_for(request.user, connections),
            "disconnected": selectors.disconnected_businesses_for_user(request.user),
        },
    )


@login_required
@require_POST
def connect(request):
    return redirect(oauth.oauth_start(session=request.session))


@login_required
@require_GET
def oauth_callback(request):
    state = request.GET.get("state")
    used_by = oauth.oauth_state_used_connection(session=request.session, state=state)
    if used_by is not None:
        # A reload of a callback that already worked: the code is spent, the connection exists.
        connection = selectors.live_connection_for_user(request.user, used_by)
        if connection is not None:
            messages.info(
                request,
                f"FreshBooks is already connected as {connection.identity.display_name}.",
            )
            return redirect("connections:businesses", connection_id=connection.pk)
    try:
        oauth.oauth_state_consume(session=request.session, state=state)
        if request.GET.get("error"):
            raise oauth.OAuthCallbackError(
                "FreshBooks access was not granted, so nothing was connected."
                if request.GET["error"] == "access_denied"
                else f"FreshBooks reported an error: {request.GET['error'][:100]}",
                status=400,
            )
        connection = oauth.oauth_complete(user=request.user, code=request.GET.get("code"))
    except oauth.OAuthCallbackError as error:
        return render(
            request,
            "connections/oauth_error.html",
            {"message": error.user_message},
            status=error.status,
        )
    oauth.oauth_state_remember_used(
        session=request.session, state=str(state), connection_id=connection.pk
    )
    messages.success(request, f"Connected to FreshBooks as {connection.identity.display_name}.")
    return redirect("connections:businesses", connection_id=connection.pk)


@login_required
@require_http_methods(["GET", "POST"])
def businesses(request, connection_id: int):
    connection = selectors.connection_for_user(request.user, connection_id)
    choices = business_services.membership_choices(connection=connection)
    ticked = {choice.business_id for choice in choices if choice.connected}
    # Back after a disconnect: nothing is connected, so offer what was connected before.
    reconnected = not ticked and any(choice.connected_before for choice in choices)
    if reconnected:
        ticked = {c.business_id for c in choices if c.connected_before and c.connectable}
    if request.method == "POST":
        form = BusinessPickerForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                added, removed = business_services.businesses_select(
                    connection=connection, business_ids=set(form.cleaned_data["business_ids"])
                )
            except business_services.BusinessSelectionError as error:
                form.add_error("business_ids", str(error))
            else:
                messages.success(request, _selection_message(added, removed))
                # A URL name from settings (the invoicing app's first-run questions).
                return redirect(settings.BUSINESSES_ADDED_REDIRECT if added else "dashboard")
    else:
        form = BusinessPickerForm(initial={"business_ids": sorted(ticked)}, choices=choices)
    return render(
        request,
        "connections/businesses.html",
        {
            "connection": connection,
            "choices": choices,
            "form": form,
            "ticked": ticked,
            "reconnected": reconnected,
        },
    )


def _selection_message(added: int, removed: int) -> str:
    parts = []
    if added:
        parts.append(
            ngettext("%(n)d business connected", "%(n)d businesses connected", added) % {"n": added}
        )
    if removed:
        parts.append(
            ngettext("%(n)d business removed", "%(n)d businesses removed", removed) % {"n": removed}
        )
    return (", ".join(parts) or "No change") + "."


@login_required
@require_POST
def reload_businesses(request, connection_id: int):
    connection = selectors.connection_for_user(request.user, connection_id)
    try:
        oauth.identity_profile_reload(identity=connection.identity)
    except ReauthorizationRequired:
        messages.error(request, "FreshBooks access was lost. Reconnect FreshBooks first.")
    except FreshBooksError as error:
        identity_error_record(identity_id=connection.identity_id, message=str(error))
        messages.error(request, "FreshBooks could not be reached; the list was not refreshed.")
    return redirect("connections:businesses", connection_id=connection.pk)


@login_required
@require_POST
def webhooks_retry(request, business_id: int):
    """The issues feed's fix for webhooks FreshBooks has not confirmed: register them again."""
    business = selectors.business_for_user(request.user, business_id)
    if not selectors.business_identity_is_active(business):
        messages.error(request, "FreshBooks access was lost. Reconnect FreshBooks first.")
    else:
        webhook_subscriptions_request(business=business)
        messages.success(
            request, f"Asked FreshBooks to confirm the webhooks of {business.name} again."
        )
    return redirect("dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def disconnect(request, connection_id: int):
    connection = selectors.connection_for_user(request.user, connection_id)
    form = DisconnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = business_services.connection_disconnect(
            connection=connection,
            delete_local_data=form.cleaned_data["local_data"] == DisconnectForm.DELETE,
        )
        if outcome.fully_disconnected:
            messages.success(request, "FreshBooks was disconnected.")
        else:
            messages.warning(
                request,
                "Disconnected here, but FreshBooks could not be reached to finish: "
                + "; ".join(outcome.remote_failures)
                + ". You can also revoke the app's access in your FreshBooks settings.",
            )
        return redirect("dashboard")
    return render(request, "connections/disconnect.html", {"connection": connection, "form": form})
