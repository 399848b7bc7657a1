"""A connected business's page: unbilled hours and amounts per client (chart and table), recent
time entries with filters, sync and invoice runs, "Sync now", and links to the invoice pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from connections.selectors import (
    business_health,
    business_identity_is_active,
    business_is_connected,
    owned_business_for_user,
)
from invoicing.billing import local_date
from invoicing.billing.money import hours_from_seconds
from invoicing.billing.periods import today_in_zone
from invoicing.forms.businesses import TimeEntryFilterForm
from invoicing.money_format import format_money
from invoicing.selectors import business_page
from invoicing.selectors import businesses as selectors
from invoicing.selectors import previews as preview_selectors
from invoicing.selectors import runs as run_selectors
from invoicing.selectors.issues import issues_for_business
from invoicing.sync.runs import sync_run_request

ENTRIES_PER_PAGE = 50
CHART_CLIENTS = 8
PREVIEWS_LISTED = 5
INVOICE_PAGES = ("runs", "new", "schedule", "policy")


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
    return f"{hours} h · {format_money(amount, currency_code)}"


def _invoice_links(business) -> dict[str, str]:
    return {
        name: reverse(f"invoices:{name}", kwargs={"business_pk": business.pk})
        for name in INVOICE_PAGES
    }


def _with_run_links(runs, business, *, linked: bool = True) -> list:
    runs = list(runs)
    for run in runs:
        run.url = (
            reverse("invoices:run", kwargs={"business_pk": business.pk, "run_pk": run.pk})
            if linked
            else None
        )
    return runs


@login_required
@require_GET
def business_detail(request: HttpRequest, business_pk: int) -> HttpResponse:
    # A disconnected business keeps a read-only page: its history, no actions.
    business = owned_business_for_user(request.user, business_pk)
    connected = business_is_connected(business)
    today = today_in_zone(timezone.now(), business.timezone or None)
    unbilled = business_page.unbilled_estimate(business, today=today)
    clients = selectors.client_names(business)
    projects = selectors.project_titles(business)
    filter_form = TimeEntryFilterForm(
        request.GET or None, clients=clients, projects=projects, today=today
    )
    filter_error = filter_form.is_bound and not filter_form.is_valid()
    # A filter with an error shows no entries: an unfiltered list below it would read as the answer.
    entries = selectors.time_entries_for(business, filter_form.filters())
    if filter_error:
        entries = entries.none()
    page = business_page.CappedPaginator(entries, ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for entry in page:
        entry.client_name = clients.get(entry.client_freshbooks_id, "")
        entry.project_title = projects.get(entry.project_freshbooks_id, "")
        entry.local_day = local_date(entry.started_at, business.timezone or None)
        entry.hours = hours_from_seconds(entry.duration_seconds)
    return render(
        request,
        "invoicing/business_detail.html",
        {
            "business": business,
            "connected": connected,
            "health": business_health(business, business.connection.identity)
            if connected
            else None,
            "unbilled": unbilled,
            "unbilled_hours_total": sum(row.hours for row in unbilled),
            "unbilled_amounts": selectors.totals_by_currency(unbilled),
            "chart": unbilled_chart(unbilled),
            "filter_form": filter_form,
            "filter_error": filter_error,
            "entries_page": page,
            "sync_runs": selectors.recent_sync_runs(business),
            "invoice_runs": _with_run_links(
                run_selectors.recent_invoice_runs(business), business, linked=connected
            ),
            "previews": _with_run_links(
                preview_selectors.open_previews(business, limit=PREVIEWS_LISTED), business
            )
            if connected
            else [],
            "invoice_links": _invoice_links(business) if connected else {},
            "issues": issues_for_business(business) if connected else [],
        },
        status=400 if filter_error else 200,
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
    if not business_identity_is_active(business):
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
