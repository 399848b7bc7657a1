"""The Rates page's "Taxes" section: set the taxes of the business, a client or a service, or
remove a client's or a service's own taxes.

Thin: the business comes from `request.user` (another user's business or default is a 404), the
form checks every id against the business's own, and the services write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from connections.selectors import business_for_user
from invoicing.forms.rates import StandardRateForm
from invoicing.forms.taxes import TaxDefaultForm
from invoicing.selectors import rates as selectors
from invoicing.selectors import tax_defaults as tax_selectors
from invoicing.tax_defaults import tax_default_delete, tax_default_save
from invoicing.views.rates import rates_page_response


def _taxes_url(business) -> str:
    return reverse("invoicing:rates", kwargs={"business_pk": business.pk}) + "#taxes"


@login_required
@require_POST
def tax_default_set(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    names = selectors.rate_names(business)
    taxes = tax_selectors.taxes_of(business)
    form = TaxDefaultForm(request.POST, names=names, taxes=taxes)
    if not form.is_valid():
        standard = StandardRateForm(initial={"standard_rate": selectors.standard_rate_of(business)})
        return rates_page_response(request, business, standard, status=400, tax_form=form)
    scope, target_id = form.scope()
    tax_ids = form.cleaned_data["taxes"]
    tax_default_save(business=business, scope=scope, target_id=target_id, tax_ids=tax_ids)
    chosen = {tax.id: tax for tax in taxes}
    words = " and ".join(chosen[tax_id].label for tax_id in tax_ids) or "no tax"
    label = _scope_label(scope, target_id, names)
    messages.success(request, f"{label} now carries {words}.")
    return redirect(_taxes_url(business))


def _scope_label(scope: str, target_id: int | None, names) -> str:
    if scope == "client" and target_id is not None:
        return f"Time for client {names.client(target_id)}"
    if scope == "service" and target_id is not None:
        return f"Time on service {names.service(target_id)}"
    return "Time of the whole business"


@login_required
@require_POST
def tax_default_remove(request: HttpRequest, business_pk: int, default_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    row = tax_selectors.tax_default_for(business, default_pk)
    names = selectors.rate_names(business)
    label = _scope_label(row.scope, row.client_freshbooks_id or row.service_freshbooks_id, names)
    tax_default_delete(row=row)
    fallback = "no tax" if row.scope == "business" else "the next taxes that apply"
    messages.success(request, f"{label}: taxes removed; it now gets {fallback}.")
    return redirect(_taxes_url(business))
