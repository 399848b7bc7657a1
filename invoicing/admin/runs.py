"""Operations console for invoice runs and drafts: filters, badges, and actions that call services.

Runs, drafts, lines and entry links are audit records: read-only here, changed only by services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

from connections.admin.tenants import OWNER_PATH, BusinessFilter, TenantColumns
from integration_app.admin_tools import ReadOnlyAdmin, ReadOnlyInline, colour_badge
from invoicing.drafts import DraftError, draft_retry, draft_void, drafts_sweep
from invoicing.models import DraftEntry, DraftInvoice, DraftLine, InvoiceRun

# Run statuses and draft states, by tone; everything else is in progress ("warn").
RUN_TONES = {
    "done": "ok",
    "completed": "ok",
    "failed": "error",
    "needs_attention": "error",
    "completed_with_errors": "error",
    "voided": "muted",
    "previewed": "muted",
    "discarded": "muted",
}


class VoidConfirmationForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        help_text="Kept with each voided draft, with your name.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="Yes, void these drafts in FreshBooks and release their time to be billed again"
    )


class DraftInline(ReadOnlyInline):
    model = DraftInvoice
    fields = ("client_name", "state", "total", "currency_code", "freshbooks_invoice_number")
    readonly_fields = fields


class DraftLineInline(ReadOnlyInline):
    model = DraftLine
    show_change_link = False
    fields = ("position", "name", "quantity", "unit_cost", "amount", "rate_sources")
    readonly_fields = fields


@admin.register(InvoiceRun)
class InvoiceRunAdmin(TenantColumns, ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "owner",
        "period_label",
        "trigger",
        "status_badge",
        "drafts_done",
        "drafts_failed",
        "drafts_total",
        "created_at",
    ]
    list_filter = [BusinessFilter, "status", "trigger"]
    list_select_related = [OWNER_PATH]
    search_fields = ["business__name", "business__account_id"]
    readonly_fields = [field.name for field in InvoiceRun._meta.fields]
    inlines = [DraftInline]

    @admin.display(description="status", ordering="status")
    def status_badge(self, run: InvoiceRun) -> str:
        return colour_badge(RUN_TONES.get(run.status, "warn"), run.get_status_display())


@admin.register(DraftInvoice)
class DraftInvoiceAdmin(TenantColumns, ReadOnlyAdmin):
    list_display = [
        "id",
        "client_name",
        "business",
        "owner",
        "state_badge",
        "total",
        "currency_code",
        "freshbooks_invoice_number",
        "submit_attempts",
        "updated_at",
    ]
    list_filter = [BusinessFilter, "state", "currency_code"]
    list_select_related = [OWNER_PATH]
    search_fields = ["client_name", "reference", "freshbooks_invoice_number"]
    readonly_fields = [
        field.name for field in DraftInvoice._meta.fields if field.name != "lease_token"
    ]
    exclude = ["lease_token"]
    inlines = [DraftLineInline]
    actions = ["retry_drafts", "void_drafts", "sweep_now"]

    @admin.display(description="state", ordering="state")
    def state_badge(self, draft: DraftInvoice) -> str:
        return colour_badge(RUN_TONES.get(draft.state, "warn"), draft.get_state_display())

    @admin.action(description="Retry (look up in FreshBooks first)")
    def retry_drafts(self, request, queryset) -> None:
        for draft in queryset:
            draft_retry(draft_id=draft.pk)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d draft queued again.", "%(n)d drafts queued again.", count)
            % {"n": count},
        )

    @admin.action(description="Void (delete in FreshBooks and release the time)…")
    def void_drafts(self, request, queryset):
        """An intermediate page first: nothing is voided until the operator confirms with a
        reason; each void records who did it and why."""
        form = VoidConfirmationForm(request.POST if "confirm_void" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            for draft in queryset:
                try:
                    draft_void(draft_id=draft.pk, user=request.user, reason=reason)
                except DraftError as error:
                    self.message_user(
                        request, f"Draft #{draft.pk}: {error.message}", messages.ERROR
                    )
                else:
                    self.message_user(request, f"Draft #{draft.pk} voided.")
            return None
        return TemplateResponse(
            request,
            "admin/invoicing/draftinvoice/void_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": "Void drafts: are you sure?",
                "opts": self.model._meta,
                "drafts": queryset.select_related(OWNER_PATH),
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Resume every stuck draft now")
    def sweep_now(self, request, queryset) -> None:
        count = drafts_sweep()
        self.message_user(
            request,
            ngettext("%(n)d stuck draft re-enqueued.", "%(n)d stuck drafts re-enqueued.", count)
            % {"n": count},
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DraftEntry)
class DraftEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "time_entry_freshbooks_id",
        "draft",
        "billed_seconds",
        "marked_billed",
        "voided",
    ]
    list_filter = ["voided", "marked_billed"]
    search_fields = ["=time_entry_freshbooks_id", "=draft__id"]
    list_select_related = ["draft"]
