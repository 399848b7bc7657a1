"""CSV import of hours on the business page: upload → preview (map unknown names once) →
confirm → progress and summary."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.selectors import business_for_user
from invoicing.hours.formats import NotATimeReport, template_csv
from invoicing.hours.imports import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_LABEL,
    hours_import_confirm,
    hours_import_discard,
    hours_import_map,
    hours_import_upload,
)
from invoicing.hours.matching import HoursCatalog
from invoicing.hours.preview import KINDS, import_plan, started_local, tool_label
from invoicing.models import HoursImport

ROWS_SHOWN = 100
INDEXES = {
    "client": "clients",
    "project": "projects",
    "service": "services",
    "team_member": "team_members",
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Time report (CSV)",
        help_text=f"A detailed time report from Toggl Track, Harvest or Clockify, or the "
        f"template; up to {MAX_UPLOAD_LABEL}.",
    )


def _import_of(request: HttpRequest, business_pk: int, import_pk: int):
    business = business_for_user(request.user, business_pk)
    return business, get_object_or_404(HoursImport, pk=import_pk, business=business)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise NotATimeReport(
                    f"This file is over the {MAX_UPLOAD_LABEL} limit; split the report."
                )
            hours_import = hours_import_upload(
                business=business,
                user=request.user,
                filename=upload.name or "upload.csv",
                content=upload.read(),
            )
        except NotATimeReport as error:
            form.add_error("file", str(error))
        else:
            return redirect(
                "invoicing:hours_import", business_pk=business.pk, import_pk=hours_import.pk
            )
    return render(
        request,
        "invoicing/imports/new.html",
        {"business": business, "form": form},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_GET
def import_template(request: HttpRequest, business_pk: int) -> HttpResponse:
    business_for_user(request.user, business_pk)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hours-template.csv"'
    return response


@login_required
@require_GET
def import_detail(request: HttpRequest, business_pk: int, import_pk: int) -> HttpResponse:
    business, hours_import = _import_of(request, business_pk, import_pk)
    context = {
        "business": business,
        "import": hours_import,
        "tool_label": tool_label(hours_import.tool),
        "working": hours_import.status in (HoursImport.Status.QUEUED, HoursImport.Status.IMPORTING),
    }
    if hours_import.status == HoursImport.Status.PREVIEW:
        catalog = HoursCatalog(business)
        plan = import_plan(hours_import, catalog=catalog)
        zone = business.timezone
        context.update(
            plan=plan,
            problem_rows=[_row(p, zone) for p in plan.problem_rows[:ROWS_SHOWN]],
            more_problems=max(len(plan.problem_rows) - ROWS_SHOWN, 0),
            sample_rows=[_row(p, zone) for p in plan.rows if p.state != "skip"][:ROWS_SHOWN],
            unknowns=[
                {"unknown": unknown, "choices": catalog.choices(INDEXES[unknown.kind])}
                for unknown in plan.unknowns
            ],
        )
    return render(request, "invoicing/imports/detail.html", context)


def _row(plan, zone: str) -> dict:
    row = plan.row
    return {
        "line": row.line,
        "start": started_local(row.started_at, zone),
        "hours": f"{row.duration_seconds / 3600:.2f}" if row.duration_seconds else "",
        "names": {kind: plan.matches.get(kind) for kind in KINDS},
        "raw": {"client": row.client, "project": row.project, "service": row.service},
        "member": row.member_name or row.member,
        "note": row.note,
        "state": plan.state,
        "problems": plan.problems,
    }


@login_required
@require_POST
def import_map(request: HttpRequest, business_pk: int, import_pk: int) -> HttpResponse:
    business, hours_import = _import_of(request, business_pk, import_pk)
    kind, name, raw_target = (request.POST.get(key, "") for key in ("kind", "name", "target"))
    catalog = HoursCatalog(business)
    if kind not in INDEXES or not name:
        raise Http404("Nothing to map")
    target: int | None = None
    if raw_target:
        valid = {str(pk): pk for pk, _ in catalog.choices(INDEXES[kind])}
        if raw_target not in valid:
            raise Http404("Not one of this business's")
        target = valid[raw_target]
    elif kind == "client":
        messages.error(request, "Choose the client these rows belong to.")
        return redirect("invoicing:hours_import", business_pk=business.pk, import_pk=import_pk)
    hours_import_map(hours_import=hours_import, kind=kind, name=name, target=target)
    return redirect("invoicing:hours_import", business_pk=business.pk, import_pk=import_pk)


@login_required
@require_POST
def import_confirm(request: HttpRequest, business_pk: int, import_pk: int) -> HttpResponse:
    business, hours_import = _import_of(request, business_pk, import_pk)
    hours_import_confirm(hours_import=hours_import)
    return redirect("invoicing:hours_import", business_pk=business.pk, import_pk=import_pk)


@login_required
@require_POST
def import_discard(request: HttpRequest, business_pk: int, import_pk: int) -> HttpResponse:
    business, hours_import = _import_of(request, business_pk, import_pk)
    hours_import_discard(hours_import=hours_import)
    messages.info(request, "The import was discarded; nothing was imported.")
    return redirect("invoicing:business", business_pk=business.pk)
