"""Hours from outside FreshBooks on the business page: manual entry (CSV import: imports.py)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from connections.selectors import business_for_user
from invoicing.billing.money import hours_from_seconds
from invoicing.billing.periods import today_in_zone
from invoicing.forms.hours import ManualHoursForm
from invoicing.hours.checks import HoursInput
from invoicing.hours.matching import HoursCatalog
from invoicing.hours.services import HoursRejected, hours_upsert


def manual_form(request: HttpRequest, business, catalog: HoursCatalog) -> ManualHoursForm:
    return ManualHoursForm(
        request.POST or None,
        choices={
            "client": catalog.choices("clients"),
            "project": catalog.choices("projects"),
            "service": catalog.choices("services"),
            "team_member": catalog.choices("team_members"),
        },
        project_clients={row.id: row.client_id for row in catalog.projects.rows},
        zone=business.timezone,
        now=timezone.now(),
        initial={
            "date": today_in_zone(timezone.now(), business.timezone or None),
            "billable": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hours_new(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    catalog = HoursCatalog(business)
    form = manual_form(request, business, catalog)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = HoursInput(
            external_id=f"manual-{uuid.uuid4()}",
            client_id=data["client"],
            project_id=data["project"],
            service_id=data["service"],
            team_member_id=data["team_member"],
            started_at=data["started_at"],
            duration_seconds=data["duration"],
            note=data["note"],
            billable=data["billable"],
        )
        try:
            hours_upsert(business=business, source="manual", entries=[entry], user=request.user)
        except HoursRejected as rejected:
            for message in rejected.problems[0].values():
                form.add_error(None, message)
        else:
            client = catalog.clients.by_id[entry.client_id].name
            messages.success(
                request,
                f"Added {hours_from_seconds(entry.duration_seconds)} h for {client}. They are "
                "billed with the FreshBooks time of the period.",
            )
            return redirect("invoicing:business", business_pk=business.pk)
    return render(
        request,
        "invoicing/hours_new.html",
        {"business": business, "form": form, "has_clients": bool(catalog.clients.rows)},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
