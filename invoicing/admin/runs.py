"""Operations console for invoice runs and drafts: filters, badges, and actions that call services.

Runs, drafts, lines and entry links are audit records: read-only here, changed only by services.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from invoicing.models import (
    BillingPolicy,
    DraftEntry,
    DraftInvoice,
    DraftLine,
    InvoiceRun,
    InvoiceSchedule,
    RateRule,
)
from invoicing.services.drafts import DraftError, draft_retry, draft_void, drafts_sweep

BADGE_COLOURS = {
    "done": "#1b7f3b",
    "completed": "#1b7f3b",
    "failed": "#b3261e",
    "needs_attention": "#b3261e",
    "completed_with_errors": "#b3261e",
    "voided": "#6b7280",
    "previewed": "#6b7280",
}


def _badge(value: str, label: str) -> str:
    colour = BADGE_COLOURS.get(value, "#a15c00")
    return format_html(
        '<span style="color:{};border:1px solid currentColor;border-radius:999px;'
        'padding:0 .5em;font-weight:600">{}</span>',
        colour,
        label,
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DraftInline(ReadOnlyInline):
    model = DraftInvoice
    fields = ["client_name", "state", "total", "currency_code", "freshbooks_invoice_number"]
    readonly_fields = fields


class DraftLineInline(ReadOnlyInline):
    model = DraftLine
    show_change_link = False
    fields = ["position", "name", "quantity", "unit_cost", "amount", "rate_sources"]
    readonly_fields = fields


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "business",
        "period_label",
        "trigger",
        "status_badge",
        "drafts_done",
        "drafts_failed",
        "drafts_total",
        "created_at",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["business"]
    search_fields = ["business__name", "business__account_id"]
    readonly_fields = [field.name for field in InvoiceRun._meta.fields]
    inlines = [DraftInline]

    @admin.display(description="status", ordering="status")
    def status_badge(self, run: InvoiceRun) -> str:
        return _badge(run.status, run.get_status_display())


@admin.register(DraftInvoice)
class DraftInvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "client_name",
        "business",
        "state_badge",
        "total",
        "currency_code",
        "freshbooks_invoice_number",
        "submit_attempts",
        "updated_at",
    ]
    list_filter = ["state", "currency_code"]
    list_select_related = ["business"]
    search_fields = ["client_name", "reference", "freshbooks_invoice_number"]
    readonly_fields = [
        field.name for field in DraftInvoice._meta.fields if field.name != "lease_token"
    ]
    exclude = ["lease_token"]
    inlines = [DraftLineInline]
    actions = ["retry_drafts", "void_drafts", "sweep_now"]

    @admin.display(description="state", ordering="state")
    def state_badge(self, draft: DraftInvoice) -> str:
        return _badge(draft.state, draft.get_state_display())

    @admin.action(description="Retry (look up in FreshBooks first)")
    def retry_drafts(self, request, queryset) -> None:
        for draft in queryset:
            draft_retry(draft_id=draft.pk)
        self.message_user(request, f"{queryset.count()} drafts queued again.")

    @admin.action(description="Void (delete in FreshBooks and release the time)")
    def void_drafts(self, request, queryset) -> None:
        for draft in queryset:
            try:
                draft_void(draft_id=draft.pk, user=request.user, reason="Voided from admin.")
            except DraftError as error:
                self.message_user(request, f"Draft #{draft.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"Draft #{draft.pk} voided.")

    @admin.action(description="Resume every stuck draft now")
    def sweep_now(self, request, queryset) -> None:
        self.message_user(request, f"{drafts_sweep()} stuck drafts re-enqueued.")

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


@admin.register(BillingPolicy)
class BillingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "business",
        "grouping",
        "rounding_increment",
        "rounding_direction",
        "standard_rate",
    ]
    list_select_related = ["business"]


@admin.register(RateRule)
class RateRuleAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "business",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "service_freshbooks_id",
        "team_member_identity_id",
        "rate",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["business"]
    list_select_related = ["business"]


@admin.register(InvoiceSchedule)
class InvoiceScheduleAdmin(admin.ModelAdmin):
    list_display = ["business", "frequency", "weekday", "day_of_month", "period", "action"]
    list_filter = ["frequency", "action"]
    list_select_related = ["business"]
