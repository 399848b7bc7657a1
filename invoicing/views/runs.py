"""Invoice runs of one connected business: list, new run (options → preview), create, progress.

Thin: every query starts from `request.user` (another user's ids get a 404) through selectors,
every change is a service call, and every typed service error becomes a message next to the button
that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.selectors import business_for_user
from invoicing.billing import NotBilledReason
from invoicing.drafts import (
    DraftError,
    ReconnectRequired,
    SelectionRefused,
    business_access_check,
    invoice_run_create,
    invoice_run_preview,
    invoice_run_select,
)
from invoicing.forms.runs import PreviewSelectionForm, RunOptionsForm
from invoicing.models import DraftInvoice, InvoiceRun
from invoicing.selectors import billing_context, preview_pages
from invoicing.selectors import businesses as business_selectors
from invoicing.selectors import previews as preview_selectors
from invoicing.selectors import runs as run_selectors
from invoicing.selectors.fix_links import fix_link_for
from invoicing.selectors.rates import rate_names

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from connections.models import ConnectedBusiness


def access_problem(business: ConnectedBusiness) -> str:
    """Why FreshBooks cannot be called for this business now ("" when it can)."""
    try:
        business_access_check(business)
    except ReconnectRequired as error:
        return error.message
    return ""


def freshbooks_invoice_url(draft: DraftInvoice) -> str:
    return run_selectors.freshbooks_invoice_url(
        draft.business.account_id, draft.freshbooks_invoice_id
    )


class InvoiceLink(TypedDict):
    freshbooks_url: str  # "" while FreshBooks holds no invoice for the draft


def with_invoice_links(
    drafts: list[DraftInvoice], business: ConnectedBusiness
) -> list[WithAnnotations[DraftInvoice, InvoiceLink]]:
    # The same draft objects: the loop sets each one's freshbooks_url before they are returned.
    linked = cast("list[WithAnnotations[DraftInvoice, InvoiceLink]]", drafts)
    for draft in linked:
        draft.business = business
        draft.freshbooks_url = freshbooks_invoice_url(draft)
    return linked


@login_required
@require_GET
def runs(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    return render(
        request,
        "invoicing/invoices/runs.html",
        {
            "business": business,
            "runs": run_selectors.invoice_runs_of(business),
            "previews": preview_selectors.open_previews(business),
            "discarded_count": run_selectors.discarded_previews_count(business),
            "schedule": run_selectors.saved_invoice_schedule_of(business),
            "access_problem": access_problem(business),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def run_new(request: HttpRequest, business_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    today = billing_context.business_today(business, timezone.now())
    form = RunOptionsForm(
        request.POST or None,
        business=business,
        policy=billing_context.billing_policy_of(business),
        today=today,
        selection=business_selectors.billable_client_choices(business),
    )
    if request.method == "POST" and form.is_valid():
        run = invoice_run_preview(
            business=business, raw_options=form.raw_options(), user=request.user, today=today
        )
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    return render(
        request,
        "invoicing/invoices/run_new.html",
        {"business": business, "form": form, "access_problem": access_problem(business)},
        status=400 if form.is_bound else 200,
    )


def _instant(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


UNPRICED = {str(NotBilledReason.NO_RATE), str(NotBilledReason.ZERO_RATE)}
# The query parameter of the not-billed list's page on the run page.
NOT_BILLED_PAGE_PARAMETER = "not_billed_page"


def _page_number(text: object) -> int:
    try:
        return max(int(str(text)), 1) if text else 1
    except ValueError:
        return 1


def preview_context(business: ConnectedBusiness, run: InvoiceRun, not_billed_page: int = 1) -> dict:
    """What the preview part of a run page shows besides the snapshot itself: the page document
    (long lists cut to pages), page `not_billed_page` of the not-billed list."""
    preview = preview_pages.preview_page_of(run)
    not_billed = []
    back_to = run.pk if run.is_preview else None
    # A held-back draft links to each rate it waits for, once ("Set a rate for project X").
    fixes: dict[object, dict[tuple[str, str], None]] = {}
    items = preview_pages.not_billed_page(run, preview, not_billed_page)
    fix_items = preview.get("unpriced_fixes", [])
    # Names for every fix link in one read, not four queries per unpriced row.
    names = (
        rate_names(business) if any(item.get("rate_fix") for item in [*items, *fix_items]) else None
    )
    for item in items:
        url, label = fix_link_for(business, item, names=names, preview_run_id=back_to)
        not_billed.append({**item, "fix_url": url, "fix_label": label})
        if url and item.get("reason") in UNPRICED:
            fixes.setdefault(item.get("client_id"), {})[(url, label)] = None
    for item in fix_items:
        url, label = fix_link_for(business, item, names=names, preview_run_id=back_to)
        if url:
            fixes.setdefault(item.get("client_id"), {})[(url, label)] = None
    drafts = [
        {**draft, "fixes": list(fixes.get(draft.get("client_id"), {}))}
        if draft.get("blocked_reason")
        else draft
        for draft in preview.get("drafts", [])
    ]
    freshness = preview.get("freshness") or {}
    count = preview.get("not_billed_count", len(not_billed))
    pages = preview_pages.not_billed_pages(count)
    page = min(not_billed_page, pages)
    return {
        "preview": {**preview, "drafts": drafts},
        "not_billed": not_billed,
        "not_billed_count": count,
        "not_billed_pager": {
            "page": page,
            "pages": pages,
            "previous": page - 1 if page > 1 else None,
            "next": page + 1 if page < pages else None,
        },
        "freshness": freshness,
        "freshness_at": _instant(freshness.get("at")),
        "last_synced_at": _instant(freshness.get("last_synced_at")),
        "outdated": preview_selectors.preview_outdated(run) if run.is_preview else False,
        "selectable": run.is_preview,
    }


def run_page(
    request: HttpRequest,
    business: ConnectedBusiness,
    run: InvoiceRun,
    *,
    selection_error: str = "",
    status: int = 200,
) -> HttpResponse:
    progress = run_selectors.run_progress_of(run, business)
    page = preview_pages.preview_page_of(run)
    previewed_keys = {
        draft["unique_key"] for draft in page.get("drafts", []) if not draft.get("blocked_reason")
    }
    has_replanned = getattr(run, "has_replanned", None)
    replaced = run.replaces_draft
    return render(
        request,
        "invoicing/invoices/run_detail.html",
        {
            "business": business,
            "run": run,
            "progress": progress,
            "has_replanned": bool(run.replanned) if has_replanned is None else has_replanned,
            "replaced": with_invoice_links([replaced], business)[0] if replaced else None,
            "changed_since_preview": bool(progress.rows)
            and progress.created_keys != previewed_keys,
            "access_problem": access_problem(business),
            "selection_error": selection_error,
            **preview_context(
                business, run, _page_number(request.GET.get(NOT_BILLED_PAGE_PARAMETER))
            ),
        },
        status=status,
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    return run_page(request, business, run_selectors.invoice_run_page_for(business, run_pk))


ALREADY_APPROVED = (
    InvoiceRun.Status.CREATING,
    InvoiceRun.Status.COMPLETED,
    InvoiceRun.Status.COMPLETED_WITH_ERRORS,
)


@login_required
@require_POST
def run_create(request: HttpRequest, business_pk: int, run_pk: int) -> HttpResponse:
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    selection = PreviewSelectionForm(request.POST)
    if not selection.is_valid():
        error = " ".join(str(message) for errors in selection.errors.values() for message in errors)
        return run_page(request, business, run, selection_error=error, status=400)
    if (
        run.is_preview
        and selection.has_choices()
        and preview_selectors.selection_changes_preview(run.preview, **selection.choices())
    ):
        # The tick boxes changed what is billed: show that preview before creating anything.
        try:
            run = invoice_run_select(run_id=run.pk, user=request.user, **selection.choices())
        except SelectionRefused as refused:
            return run_page(request, business, run, selection_error=refused.message, status=400)
        except DraftError as error:
            messages.error(request, error.message)
        else:
            messages.info(
                request,
                "Your choices are applied and nothing was created yet: check the preview, then "
                "press “Create drafts”.",
            )
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    if run.status in ALREADY_APPROVED:
        # A second press, or the emailed approve link used again: nothing more is created.
        messages.info(request, "These drafts were already approved; nothing more was created.")
        return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)
    try:
        run = invoice_run_create(run_id=run.pk, user=request.user)
    except DraftError as error:
        messages.error(request, error.message)
    else:
        if run.is_preview and run.replanned:
            return redirect("invoices:run_changes", business_pk=business.pk, run_pk=run.pk)
        if run.status == InvoiceRun.Status.FAILED or (run.error and not run.drafts_total):
            messages.warning(request, run.error)
        else:
            count = run.drafts_total
            messages.success(request, f"Creating {count} draft invoice{'' if count == 1 else 's'}.")
    return redirect("invoices:run", business_pk=business.pk, run_pk=run.pk)


@login_required
@require_GET
def run_progress_json(request: HttpRequest, business_pk: int, run_pk: int) -> JsonResponse:
    """What the run page polls: the status, the summary and every draft's row."""
    business = business_for_user(request.user, business_pk)
    run = run_selectors.invoice_run_for(business, run_pk)
    response = JsonResponse(run_selectors.run_progress_of(run, business).as_json())
    response["Cache-Control"] = "no-store"
    return response
