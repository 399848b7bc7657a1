"""Draft invoices of one connected business: detail, void, void and re-bill, retry.

Void and re-bill is two steps: the re-bill form (the draft's run options) makes a replacement
preview, shown on its run page, where "Void and create the replacement" voids the old draft and
creates the new one. Nothing is voided before that confirmation.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.selectors import business_for_user
from invoicing.billing import BillingOptionsError
from invoicing.drafts import (
    DraftError,
    ReplacementNotCreated,
    draft_rebill_confirm,
    draft_rebill_preview,
    draft_retry,
    draft_void,
)
from invoicing.forms.runs import RebillForm, VoidForm
from invoicing.models import DraftInvoice
from invoicing.selectors import billing_context
from invoicing.selectors import runs as run_selectors
from invoicing.views.runs import access_problem, with_invoice_links

VOIDABLE_HINT_STATES = (
    DraftInvoice.State.CREATED,
    DraftInvoice.State.MARKING_BILLED,
    DraftInvoice.State.DONE,
    DraftInvoice.State.FAILED,
    DraftInvoice.State.NEEDS_ATTENTION,
    DraftInvoice.State.PLANNED,
)


@login_required
@require_GET
def draft_detail(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    [draft] = with_invoice_links([run_selectors.draft_for(business, draft_pk)], business)
    return render(
        request,
        "invoicing/invoices/draft_detail.html",
        {
            "business": business,
            "draft": draft,
            "lines": run_selectors.draft_lines(draft),
            "replacement_runs": run_selectors.replacement_runs_of(draft),
            "can_void": draft.state in VOIDABLE_HINT_STATES,
            "can_retry": draft.state
            in (DraftInvoice.State.FAILED, DraftInvoice.State.NEEDS_ATTENTION),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_void_view(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    draft = run_selectors.draft_for(business, draft_pk)
    form = VoidForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                draft_void(draft_id=draft.pk, user=request.user, reason=form.cleaned_data["reason"])
            except DraftError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, "The draft was voided and its time released.")
                return redirect("invoices:draft", business_pk=business.pk, draft_pk=draft.pk)
    return render(
        request,
        "invoicing/invoices/draft_void.html",
        {"business": business, "draft": draft, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_rebill_view(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    """The replacement's options (from the draft's run) and the reason; POST shows the preview."""
    business = business_for_user(request.user, business_pk)
    draft = run_selectors.draft_for(business, draft_pk)
    today = billing_context.business_today(business, timezone.now())
    form = RebillForm(
        request.POST or None,
        business=business,
        policy=billing_context.billing_policy_of(business),
        today=today,
        run_options=draft.run.options,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run = draft_rebill_preview(
                    draft_id=draft.pk,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    raw_options=form.raw_options(),
                    today=today,
                )
            except (DraftError, BillingOptionsError) as error:
                form.add_error(None, getattr(error, "message", str(error)))
                status = 409
            else:
                return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    return render(
        request,
        "invoicing/invoices/draft_rebill.html",
        {
            "business": business,
            "draft": draft,
            "form": form,
            "already_voided": draft.state == DraftInvoice.State.VOIDED,
        },
        status=status,
    )


@login_required
@require_POST
def draft_rebill_confirm_view(
    request: HttpRequest, business_pk: int, draft_pk: int, run_pk: int
) -> HttpResponse:
    """Void the old draft, then create its replacement from the confirmed preview."""
    business = business_for_user(request.user, business_pk)
    draft = run_selectors.draft_for(business, draft_pk)
    run = run_selectors.rebill_run_for(business, draft, run_pk)
    try:
        run = draft_rebill_confirm(run_id=run.pk, user=request.user)
    except ReplacementNotCreated as error:
        messages.error(request, error.message)
    except DraftError as error:
        messages.error(request, f"No replacement was created: {error.message}")
    else:
        messages.success(
            request,
            f"Draft #{draft.pk} was voided; its replacement is being created in FreshBooks.",
        )
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


@login_required
@require_POST
def draft_retry_view(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    draft = run_selectors.draft_for(business, draft_pk)
    problem = access_problem(business)
    if problem:
        messages.error(request, problem)
    else:
        draft_retry(draft_id=draft.pk)
        messages.success(request, "The draft will be looked up in FreshBooks and retried.")
    return redirect("invoices:draft", business_pk=business.pk, draft_pk=draft.pk)
