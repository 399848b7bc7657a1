"""Invoice runs, drafts, schedule and billing policy pages of one connected business.

Thin: every query starts from `request.user` (another user's ids get a 404), every change is a
service call, and every typed service error becomes a message next to the button that caused it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.selectors import business_for_user
from invoicing.billing import BillingOptionsError
from invoicing.invoice_forms import (
    BillingPolicyForm,
    RebillForm,
    RunOptionsForm,
    ScheduleForm,
    VoidForm,
)
from invoicing.models import DraftInvoice, InvoiceRun, InvoiceSchedule
from invoicing.services import billing_inputs
from invoicing.services.drafts import (
    DraftError,
    ReconnectRequired,
    business_access_check,
    draft_retry,
    draft_void,
    draft_void_and_rebill,
    invoice_run_create,
    invoice_run_preview,
    run_progress,
)

DEFAULT_INVOICE_URL = "https://my.freshbooks.com/#/invoice/{account_id}-{invoice_id}"
VOIDABLE_HINT_STATES = (
    DraftInvoice.State.CREATED,
    DraftInvoice.State.MARKING_BILLED,
    DraftInvoice.State.DONE,
    DraftInvoice.State.FAILED,
    DraftInvoice.State.NEEDS_ATTENTION,
    DraftInvoice.State.PLANNED,
)


def _run_for(business, run_pk: int) -> InvoiceRun:
    return get_object_or_404(
        InvoiceRun.objects.select_related("started_by", "approved_by"), pk=run_pk, business=business
    )


def _draft_for(business, draft_pk: int) -> DraftInvoice:
    return get_object_or_404(
        DraftInvoice.objects.select_related("run", "voided_by"), pk=draft_pk, business=business
    )


def _access_problem(business) -> str:
    try:
        business_access_check(business)
    except ReconnectRequired as error:
        return error.message
    return ""


def freshbooks_invoice_url(draft: DraftInvoice) -> str:
    if not draft.freshbooks_invoice_id:
        return ""
    template = getattr(settings, "FRESHBOOKS_INVOICE_URL_TEMPLATE", DEFAULT_INVOICE_URL)
    return template.format(
        account_id=draft.business.account_id, invoice_id=draft.freshbooks_invoice_id
    )


def _with_links(drafts, business) -> list[DraftInvoice]:
    drafts = list(drafts)
    for draft in drafts:
        draft.business = business
        draft.freshbooks_url = freshbooks_invoice_url(draft)
    return drafts


@login_required
@require_GET
def runs(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    return render(
        request,
        "invoicing/invoices/runs.html",
        {
            "business": business,
            "runs": business.invoice_runs.select_related("started_by", "schedule")[:50],
            "schedule": InvoiceSchedule.objects.filter(business=business).first(),
            "access_problem": _access_problem(business),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def run_new(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    today = billing_inputs.business_today(business, timezone.now())
    form = RunOptionsForm(request.POST or None, business=business, today=today)
    if request.method == "POST" and form.is_valid():
        run = invoice_run_preview(
            business=business, raw_options=form.raw_options(), user=request.user, today=today
        )
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    return render(
        request,
        "invoicing/invoices/run_new.html",
        {"business": business, "form": form, "access_problem": _access_problem(business)},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    run = _run_for(business, run_pk)
    drafts = _with_links(run.drafts.order_by("client_name", "pk"), business)
    previewed_keys = {
        draft["unique_key"]
        for draft in run.preview.get("drafts", [])
        if not draft.get("blocked_reason")
    }
    created_keys = {draft.unique_key for draft in drafts}
    return render(
        request,
        "invoicing/invoices/run_detail.html",
        {
            "business": business,
            "run": run,
            "preview": run.preview,
            "drafts": drafts,
            "progress": run_progress(run),
            "changed_since_preview": bool(drafts) and created_keys != previewed_keys,
            "access_problem": _access_problem(business),
        },
    )


@login_required
@require_POST
def run_create(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    run = _run_for(business, run_pk)
    try:
        run = invoice_run_create(run_id=run.pk, user=request.user)
    except DraftError as error:
        messages.error(request, error.message)
    else:
        if run.status == InvoiceRun.Status.FAILED or (run.error and not run.drafts_total):
            messages.warning(request, run.error)
        else:
            messages.success(request, f"Creating {run.drafts_total} draft invoices.")
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


@login_required
@require_GET
def run_progress_json(request: HttpRequest, business_pk: int, run_pk: int) -> JsonResponse:
    business = business_for_user(request.user, business_pk)
    run = _run_for(business, run_pk)
    response = JsonResponse(run_progress(run))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def draft_detail(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    [draft] = _with_links([_draft_for(business, draft_pk)], business)
    return render(
        request,
        "invoicing/invoices/draft_detail.html",
        {
            "business": business,
            "draft": draft,
            "lines": draft.lines.all(),
            "can_void": draft.state in VOIDABLE_HINT_STATES,
            "can_retry": draft.state
            in (DraftInvoice.State.FAILED, DraftInvoice.State.NEEDS_ATTENTION),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_void_view(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    draft = _draft_for(business, draft_pk)
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
    business = business_for_user(request.user, business_pk)
    draft = _draft_for(business, draft_pk)
    today = billing_inputs.business_today(business, timezone.now())
    form = RebillForm(request.POST or None, business=business, today=today)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run = draft_void_and_rebill(
                    draft_id=draft.pk,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    raw_options=form.raw_options(),
                )
            except (DraftError, BillingOptionsError) as error:
                form.add_error(None, getattr(error, "message", str(error)))
                status = 409
            else:
                messages.success(request, "The draft was voided. Check the new preview.")
                return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    return render(
        request,
        "invoicing/invoices/draft_rebill.html",
        {"business": business, "draft": draft, "form": form},
        status=status,
    )


@login_required
@require_POST
def draft_retry_view(request: HttpRequest, business_pk: int, draft_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    draft = _draft_for(business, draft_pk)
    problem = _access_problem(business)
    if problem:
        messages.error(request, problem)
    else:
        draft_retry(draft_id=draft.pk)
        messages.success(request, "The draft will be looked up in FreshBooks and retried.")
    return redirect("invoices:draft", business_pk=business.pk, draft_pk=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    instance = InvoiceSchedule.objects.filter(business=business).first() or InvoiceSchedule(
        business=business
    )
    form = ScheduleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Schedule saved.")
        return redirect("invoices:runs", business_pk=business.pk)
    return render(
        request,
        "invoicing/invoices/schedule.html",
        {"business": business, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    form = BillingPolicyForm(
        request.POST or None, instance=billing_inputs.billing_policy_for(business)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Billing defaults saved.")
        return redirect("invoices:runs", business_pk=business.pk)
    return render(
        request,
        "invoicing/invoices/policy.html",
        {"business": business, "form": form},
        status=400 if form.is_bound else 200,
    )
