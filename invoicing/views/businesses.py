"""A connected business's page: unbilled hours and amounts per client (chart and table), recent
time entries with filters, sync and invoice runs, "Sync now", and links to the invoice pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from connections.models import FreshBooksIdentity
from connections.selectors import (
    business_for_user,
    business_health,
    business_is_connected,
    owned_business_for_user,
)
from invoicing import selectors
from invoicing.billing import BillingOptionsError, local_date, period_from_preset
from invoicing.billing.money import hours_from_seconds
from invoicing.billing.periods import today_in_zone
from invoicing.services.sync.runs import sync_run_request

ENTRIES_PER_PAGE = 50
CHART_CLIENTS = 8
# Where the invoice pages (built separately) are mounted; the page links to them once they exist.
INVOICE_PAGES = ("runs", "new", "schedule", "policy")

PERIOD_CHOICES = [
    ("", "Any time"),
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Between dates"),
]


class TimeEntryFilterForm(forms.Form):
    """GET filters of the time entry list; ids outside the business's mirror are refused."""

    client = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    project = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label="Billed",
        required=False,
        choices=[("", "Billed or not"), ("unbilled", "Not billed"), ("billed", "Billed")],
    )
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clients: dict[int, str], projects: dict[int, str], today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["client"].choices = [("", "All clients"), *clients.items()]
        self.fields["project"].choices = [("", "All projects"), *projects.items()]

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("period")
        cleaned["period_range"] = None
        if preset:
            try:
                cleaned["period_range"] = period_from_preset(
                    preset, today=self.today, start=cleaned.get("start"), end=cleaned.get("end")
                )
            except BillingOptionsError as error:
                field = error.field if error.field in self.fields else None
                self.add_error(field, error.message)
        return cleaned

    def filters(self) -> selectors.TimeEntryFilters:
        if not self.is_valid():
            return selectors.TimeEntryFilters()
        status = self.cleaned_data["status"]
        return selectors.TimeEntryFilters(
            client_id=self.cleaned_data["client"],
            project_id=self.cleaned_data["project"],
            billed={"billed": True, "unbilled": False}.get(status),
            period=self.cleaned_data["period_range"],
        )


def unbilled_chart(rows: list[selectors.UnbilledClientHours]) -> dict:
    """Bar geometry for the server-rendered SVG: the biggest clients, the rest as one bar."""
    bars = [
        (row.client_name, row.seconds, _bar_value(row.hours, row.amount, row.currency_code))
        for row in rows[:CHART_CLIENTS]
    ]
    rest = rows[CHART_CLIENTS:]
    if rest:
        seconds = sum(row.seconds for row in rest)
        bars.append((f"{len(rest)} other clients", seconds, f"{hours_from_seconds(seconds)} h"))
    widest = max((seconds for _, seconds, _ in bars), default=0) or 1
    label_width, bar_space, row_height = 200, 300, 34
    chart_bars = []
    for index, (label, seconds, value) in enumerate(bars):
        width = max(round(bar_space * seconds / widest), 2)
        chart_bars.append(
            {
                "label": label if len(label) <= 28 else label[:27] + "…",
                "full_label": label,
                "value": value,
                "y": 4 + index * row_height,
                "text_y": 4 + index * row_height + 19,
                "width": width,
                "value_x": label_width + width + 8,
            }
        )
    return {
        "width": label_width + bar_space + 200,
        "height": row_height * len(bars) + 8,
        "label_x": label_width - 10,
        "bar_x": label_width,
        "bars": chart_bars,
    }


def _bar_value(hours, amount, currency_code: str) -> str:
    if amount is None:
        return f"{hours} h"
    return f"{hours} h · {amount} {currency_code}".strip()


def _invoice_links(business) -> dict[str, str]:
    """URLs of the invoice pages, or {} while they are not mounted in this deployment."""
    try:
        return {
            name: reverse(f"invoices:{name}", kwargs={"business_pk": business.pk})
            for name in INVOICE_PAGES
        }
    except NoReverseMatch:
        return {}


def _with_run_links(runs, business, *, enabled: bool) -> list:
    runs = list(runs)
    for run in runs:
        run.url = (
            reverse("invoices:run", kwargs={"business_pk": business.pk, "run_pk": run.pk})
            if enabled
            else ""
        )
    return runs


@login_required
@require_GET
def business_detail(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    today = today_in_zone(timezone.now(), business.timezone or None)
    unbilled = selectors.unbilled_by_client(business, today=today)
    clients = selectors.client_names(business)
    projects = selectors.project_titles(business)
    filter_form = TimeEntryFilterForm(
        request.GET or None, clients=clients, projects=projects, today=today
    )
    page = Paginator(
        selectors.time_entries_for(business, filter_form.filters()), ENTRIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    for entry in page:
        entry.client_name = clients.get(entry.client_freshbooks_id, "")
        entry.project_title = projects.get(entry.project_freshbooks_id, "")
        entry.local_day = local_date(entry.started_at, business.timezone or None)
        entry.hours = hours_from_seconds(entry.duration_seconds)
    invoice_links = _invoice_links(business)
    return render(
        request,
        "invoicing/business_detail.html",
        {
            "business": business,
            "health": business_health(business, business.connection.identity),
            "unbilled": unbilled,
            "unbilled_hours_total": sum(row.hours for row in unbilled),
            "unbilled_amounts": selectors.totals_by_currency(unbilled),
            "chart": unbilled_chart(unbilled),
            "filter_form": filter_form,
            "entries_page": page,
            "sync_runs": selectors.recent_sync_runs(business),
            "invoice_runs": _with_run_links(
                selectors.recent_invoice_runs(business), business, enabled=bool(invoice_links)
            ),
            "invoice_links": invoice_links,
        },
        status=400 if filter_form.is_bound and not filter_form.is_valid() else 200,
    )


@login_required
@require_POST
def sync_now(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = owned_business_for_user(request.user, business_pk)
    if not business_is_connected(business):
        messages.error(
            request,
            f"{business.name} is no longer connected, so nothing was synced. "
            "Add it again from “Add or remove businesses” to resume syncing.",
        )
        return redirect("dashboard")
    back = (
        redirect("dashboard")
        if request.POST.get("return_to") == "dashboard"
        else redirect("invoicing:business", business_pk=business.pk)
    )
    if business.connection.identity.state != FreshBooksIdentity.State.ACTIVE:
        messages.error(request, "FreshBooks access was lost. Reconnect FreshBooks to sync.")
        return back
    run = sync_run_request(business=business, trigger="user")
    if run.started_at:
        messages.info(request, f"A sync of {business.name} is already running.")
    else:
        messages.success(
            request, f"Sync of {business.name} queued. Refresh in a moment to see the new hours."
        )
    return back
