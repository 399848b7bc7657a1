"""A business's billing defaults and invoice schedule pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from connections.selectors import business_for_user
from invoicing.drafts.schedules import invoice_schedule_save
from invoicing.forms.defaults import BillingPolicyForm, ScheduleForm
from invoicing.policies import billing_policy_save
from invoicing.selectors import billing_context
from invoicing.selectors import runs as run_selectors


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    form = ScheduleForm(request.POST or None, instance=run_selectors.invoice_schedule_of(business))
    if request.method == "POST" and form.is_valid():
        invoice_schedule_save(business=business, values=form.cleaned_data)
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
        request.POST or None, instance=billing_context.billing_policy_of(business)
    )
    if request.method == "POST" and form.is_valid():
        billing_policy_save(business=business, values=form.cleaned_data)
        messages.success(request, "Billing defaults saved.")
        return redirect("invoices:runs", business_pk=business.pk)
    return render(
        request,
        "invoicing/invoices/policy.html",
        {"business": business, "form": form},
        status=400 if form.is_bound else 200,
    )
