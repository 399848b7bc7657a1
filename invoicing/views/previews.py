"""A preview's own actions: leave entries or lines out, see what changed since it was made and
confirm the new plan, discard it. Thin: services do the work, selectors scope every id to
`request.user` (another user's run is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections.selectors import business_for_user
from invoicing.drafts import (
    DraftError,
    SelectionRefused,
    invoice_run_discard,
    invoice_run_replan_confirm,
    invoice_run_select,
)
from invoicing.forms.runs import PreviewSelectionForm
from invoicing.selectors import runs as run_selectors
from invoicing.selectors.preview_changes import preview_changes
from invoicing.views.runs import run_page


@login_required
@require_POST
def run_select(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    """Update the preview: what the tick boxes leave out stays unbilled, "left out by you"."""
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    form = PreviewSelectionForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return run_page(request, business, run, selection_error=error, status=400)
    try:
        run = invoice_run_select(run_id=run.pk, user=request.user, **form.choices())
    except SelectionRefused as refused:
        return run_page(request, business, run, selection_error=refused.message, status=400)
    except DraftError as error:
        messages.error(request, error.message)
    else:
        left_out = run.preview.get("left_out_count", 0)
        messages.success(
            request,
            "Preview updated"
            + (
                f": {left_out} time entr{'y' if left_out == 1 else 'ies'} left out by you."
                if left_out
                else "."
            ),
        )
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


@login_required
@require_GET
def run_changes(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    """What "Create drafts" found changed since the preview, line by line; nothing was created."""
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    if not run.replanned or not run.is_preview:
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    return render(
        request,
        "invoicing/invoices/run_changes.html",
        {
            "business": business,
            "run": run,
            "changes": preview_changes(run.preview, run.replanned),
            "freshness": run.replanned.get("freshness") or {},
        },
    )


@login_required
@require_POST
def run_confirm(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    try:
        invoice_run_replan_confirm(run_id=run.pk, user=request.user)
    except DraftError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "This is the new preview. Check it, then press “Create drafts” to create them.",
        )
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


@login_required
@require_POST
def run_discard(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    try:
        invoice_run_discard(run_id=run.pk, user=request.user)
    except DraftError as error:
        messages.error(request, error.message)
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    messages.success(request, f"Preview #{run.pk} discarded; its time stays unbilled.")
    return redirect("invoices:runs", business_pk=business.pk)
