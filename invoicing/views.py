"""A connected business's page: unbilled hours per client, sync state, "Sync now"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections.models import FreshBooksIdentity
from connections.selectors import business_for_user
from invoicing import selectors
from invoicing.services.sync.runs import sync_run_request


@login_required
@require_GET
def business_detail(request, business_pk: int):
    business = business_for_user(request.user, business_pk)
    unbilled = selectors.unbilled_hours_by_client(business)
    return render(
        request,
        "invoicing/business_detail.html",
        {
            "business": business,
            "unbilled": unbilled,
            "unbilled_hours_total": sum(row.hours for row in unbilled),
            "sync_runs": selectors.recent_sync_runs(business),
        },
    )


@login_required
@require_POST
def sync_now(request, business_pk: int):
    business = business_for_user(request.user, business_pk)
    if business.connection.identity.state != FreshBooksIdentity.State.ACTIVE:
        messages.error(request, "FreshBooks access was lost. Reconnect FreshBooks to sync.")
        return redirect("invoicing:business", business_pk=business.pk)
    run = sync_run_request(business=business, trigger="user")
    if run.started_at:
        messages.info(request, "A sync of this business is already running.")
    else:
        messages.success(request, "Sync queued. Refresh in a moment to see the new hours.")
    return redirect("invoicing:business", business_pk=business.pk)
