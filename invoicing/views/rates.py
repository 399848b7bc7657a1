"""A business's Rates page (standard rate, local rate rules, taxes, FreshBooks' rates) and the
"What do you charge per hour?" step offered right after connecting a business.

Thin: every query starts from `request.user` (another user's business or rule id is a 404)
through selectors, every change is a service call, and a GET never writes.

Onboarding: connections must not import invoicing, so the business picker redirects to the URL
name in `settings.BUSINESSES_ADDED_REDIRECT` ("invoicing:onboarding", looked up with `reverse`
when it is used). That page asks for the standard rate of each of the user's businesses that has
none and was never skipped, and goes straight on to the dashboard when there is nothing to ask;
so connecting a business a second time, or skipping, never asks again.

A fix link from a preview carries `preview=<run id>` (kept in a hidden field): once the rate is
saved the preview is planned again with it and the person is back on the preview, where the
client held back for want of that rate is now billed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.selectors import business_for_user
from invoicing.billing.money import rate_text
from invoicing.drafts import DraftError, invoice_run_select
from invoicing.forms.rates import RateRuleForm, StandardRateForm, rule_initial, rule_prefill
from invoicing.forms.taxes import TaxDefaultForm
from invoicing.rates import (
    rate_rule_create,
    rate_rule_delete,
    rate_rule_update,
    standard_rate_set,
    standard_rate_skip,
)
from invoicing.selectors import rate_rules as rule_selectors
from invoicing.selectors import rates as selectors
from invoicing.selectors import runs as run_selectors
from invoicing.selectors import tax_defaults as tax_selectors
from invoicing.selectors.fix_links import PREVIEW_PARAMETER


def _preview_to_return_to(request: HttpRequest, business):
    """The open preview a fix link came from (`preview=` in the query or the form), or None."""
    source = request.POST if request.method == "POST" else request.GET
    return run_selectors.open_preview_for(business, source.get(PREVIEW_PARAMETER, ""))


def _back_to_preview(request: HttpRequest, business, run) -> HttpResponse:
    """Plan the preview again with the rate just saved (same choices), and show it."""
    try:
        invoice_run_select(
            run_id=run.pk,
            shown_entry_ids=(),
            billed_entry_ids=(),
            billed_lines=(),
            user=request.user,
        )
    except DraftError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "The preview below was planned again with this rate.")
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


def _rates_url(business, anchor: str = "") -> str:
    url = reverse("invoicing:rates", kwargs={"business_pk": business.pk})
    return f"{url}#{anchor}" if anchor else url


def rates_page_response(
    request: HttpRequest,
    business,
    standard_form: StandardRateForm,
    *,
    status: int = 200,
    tax_form: TaxDefaultForm | None = None,
) -> HttpResponse:
    """The Rates page; a form that failed (`standard_form`, `tax_form`) shows its errors."""
    names = selectors.rate_names(business)
    taxes = tax_selectors.taxes_of(business)
    rows, overlaps = rule_selectors.rule_rows(rule_selectors.rate_rules_of(business), names)
    return render(
        request,
        "invoicing/rates/rates.html",
        {
            "business": business,
            "standard_form": standard_form,
            "standard_rate": selectors.standard_rate_of(business),
            "rule_rows": rows,
            "overlaps": overlaps,
            "freshbooks": selectors.freshbooks_rates(business, names),
            "can_add_rule": bool(names.clients),
            "preview_run": _preview_to_return_to(request, business),
            "taxes": taxes,
            "tax_form": tax_form or TaxDefaultForm(names=names, taxes=taxes),
            "tax_default_rows": tax_selectors.tax_default_rows(business, names),
        },
        status=status,
    )


@login_required
@require_GET
def rates_page(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    form = StandardRateForm(initial={"standard_rate": selectors.standard_rate_of(business)})
    return rates_page_response(request, business, form)


@login_required
@require_POST
def standard_rate(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    form = StandardRateForm(request.POST)
    if not form.is_valid():
        return rates_page_response(request, business, form, status=400)
    rate = form.cleaned_data["standard_rate"]
    standard_rate_set(business=business, rate=rate)
    if rate is None:
        messages.success(request, "Standard rate cleared: projects billed at it have no rate.")
    else:
        messages.success(request, f"Standard rate set to {rate_text(rate)} per hour.")
    back_to = _preview_to_return_to(request, business)
    if back_to is not None:
        return _back_to_preview(request, business, back_to)
    return redirect(_rates_url(business, "standard-rate"))


def _rule_saved(request: HttpRequest, business, rule, verb: str) -> HttpResponse:
    names = selectors.rate_names(business)
    scope = selectors.rule_scope_label(
        names,
        client_id=rule.client_freshbooks_id,
        project_id=rule.project_freshbooks_id,
        service_id=rule.service_freshbooks_id,
        team_member_id=rule.team_member_identity_id,
    )
    messages.success(
        request, f"Rate rule #{rule.pk} {verb}: {scope} at {rate_text(rule.rate)} per hour."
    )
    for overlap in rule_selectors.overlaps_for_rule(business, rule):
        messages.warning(request, overlap.message)
    back_to = _preview_to_return_to(request, business)
    if back_to is not None:
        return _back_to_preview(request, business, back_to)
    return redirect(_rates_url(business, "rules"))


def _rule_form_page(
    request: HttpRequest, business, form: RateRuleForm, *, heading: str, rule=None
) -> HttpResponse:
    return render(
        request,
        "invoicing/rates/rule_form.html",
        {
            "business": business,
            "form": form,
            "heading": heading,
            "rule": rule,
            "preview_run": _preview_to_return_to(request, business),
        },
        status=400 if form.is_bound else 200,
    )


def _save_rule(form: RateRuleForm, save) -> object | None:
    """Run the service; a value the model refuses becomes a form error (nothing saved)."""
    try:
        return save(form.rule_values())
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def rate_rule_new(request: HttpRequest, business_pk: int) -> HttpResponse:
    """A new rule; a fix link's query (`?client=&project=&service=&member=`) pre-fills it."""
    business = business_for_user(request.user, business_pk)
    names = selectors.rate_names(business)
    if request.method == "POST":
        form = RateRuleForm(request.POST, names=names)
        if form.is_valid():
            rule = _save_rule(
                form, lambda values: rate_rule_create(business=business, values=values)
            )
            if rule is not None:
                return _rule_saved(request, business, rule, "added")
        return _rule_form_page(request, business, form, heading="Add a rate rule")
    prefill = rule_prefill(request.GET, names)
    heading = "Add a rate rule"
    if prefill:
        heading = selectors.rate_fix_link(
            business,
            client_id=prefill.get("client"),
            project_id=prefill.get("project"),
            service_id=prefill.get("service"),
            team_member_id=prefill.get("team_member"),
            names=names,
        ).label
    form = RateRuleForm(initial=prefill, names=names)
    return _rule_form_page(request, business, form, heading=heading)


@login_required
@require_http_methods(["GET", "POST"])
def rate_rule_edit(request: HttpRequest, business_pk: int, rule_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    rule = rule_selectors.rate_rule_for(business, rule_pk)
    names = selectors.rate_names(business)
    heading = f"Change rate rule #{rule.pk}"
    if request.method == "POST":
        form = RateRuleForm(request.POST, names=names)
        if form.is_valid():
            saved = _save_rule(form, lambda values: rate_rule_update(rule=rule, values=values))
            if saved is not None:
                return _rule_saved(request, business, saved, "saved")
        return _rule_form_page(request, business, form, heading=heading, rule=rule)
    form = RateRuleForm(initial=rule_initial(rule), names=names)
    return _rule_form_page(request, business, form, heading=heading, rule=rule)


@login_required
@require_http_methods(["GET", "POST"])
def rate_rule_delete_view(request: HttpRequest, business_pk: int, rule_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    rule = rule_selectors.rate_rule_for(business, rule_pk)
    names = selectors.rate_names(business)
    scope = selectors.rule_scope_label(
        names,
        client_id=rule.client_freshbooks_id,
        project_id=rule.project_freshbooks_id,
        service_id=rule.service_freshbooks_id,
        team_member_id=rule.team_member_identity_id,
    )
    if request.method == "POST":
        rate_rule_delete(rule=rule)
        messages.success(
            request,
            f"Rate rule #{rule_pk} deleted. Time for {scope} now bills at the next rate that "
            "applies (see the preview).",
        )
        return redirect(_rates_url(business, "rules"))
    return render(
        request,
        "invoicing/rates/rule_delete.html",
        {
            "business": business,
            "rule": rule,
            "applies_to": scope,
            "effective": rule_selectors.effective_words(rule.valid_from, rule.valid_to),
        },
    )


# -- onboarding: "What do you charge per hour?" ---------------------------------------------


def _onboarding_page(
    request: HttpRequest, user, bound: tuple[int, StandardRateForm] | None = None
) -> HttpResponse:
    businesses = list(selectors.businesses_asking_standard_rate(user))
    if not businesses:
        return redirect("dashboard")
    steps = []
    for business in businesses:
        form = (
            bound[1]
            if bound and bound[0] == business.pk
            else StandardRateForm(prefix=f"business-{business.pk}", required=True)
        )
        steps.append({"business": business, "form": form})
    return render(
        request,
        "invoicing/rates/onboarding.html",
        {"steps": steps},
        status=400 if bound else 200,
    )


@login_required
@require_GET
def onboarding(request: HttpRequest) -> HttpResponse:
    """The standard rate step: one short form per business that still needs an answer."""
    return _onboarding_page(request, request.user)


@login_required
@require_POST
def onboarding_rate(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    if "skip" in request.POST:
        standard_rate_skip(business=business)
        messages.info(
            request,
            f"Skipped. You can set the standard rate of {business.name} any time on its Rates "
            "page.",
        )
        return redirect("invoicing:onboarding")
    form = StandardRateForm(request.POST, prefix=f"business-{business.pk}", required=True)
    if not form.is_valid():
        return _onboarding_page(request, request.user, bound=(business.pk, form))
    rate = form.cleaned_data["standard_rate"]
    standard_rate_set(business=business, rate=rate)
    messages.success(
        request, f"Standard rate of {business.name} set to {rate_text(rate)} per hour."
    )
    return redirect("invoicing:onboarding")
