"""Operators' console for billing defaults, rate rules and invoice schedules (editable)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from connections.admin.tenants import OWNER_PATH, BusinessFilter, TenantColumns
from connections.models import ConnectedBusiness
from invoicing.forms.rates import PickerSelect
from invoicing.models import BillingPolicy, InvoiceSchedule, RateRule
from invoicing.selectors.rates import rate_names


@admin.register(BillingPolicy)
class BillingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "business",
        "grouping",
        "rounding_increment",
        "rounding_direction",
        "standard_rate",
    ]
    list_select_related = [OWNER_PATH]


# Each FreshBooks id field of a rule, and where its names are in RateNames.
PICKERS = {
    "client_freshbooks_id": ("clients", "client"),
    "project_freshbooks_id": ("projects", "project"),
    "service_freshbooks_id": ("services", "service"),
    "team_member_identity_id": ("team_members", "team member"),
}


class RateRuleAdminForm(forms.ModelForm):
    """Clients, projects, services and team members picked by name (with a search box) among
    the rule's own business's; an id from another business is refused."""

    class Meta:
        model = RateRule
        fields = [
            "business",
            "client_freshbooks_id",
            "project_freshbooks_id",
            "service_freshbooks_id",
            "team_member_identity_id",
            "rate",
            "valid_from",
            "valid_to",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = None
        business = self._business()
        if business is None:
            for name in PICKERS:
                self.fields[name].help_text = "Choose the business and save: then pick by name."
            return
        self.names = rate_names(business)
        for name, (attribute, noun) in PICKERS.items():
            options = getattr(self.names, attribute)
            field = self.fields[name]
            self.fields[name] = forms.TypedChoiceField(
                label=field.label,
                required=field.required,
                coerce=int,
                empty_value=None,
                choices=[("", "—")] + sorted(options.items(), key=lambda item: item[1].lower()),
                widget=PickerSelect(
                    option_clients=self.names.project_clients if attribute == "projects" else {}
                ),
                error_messages={"invalid_choice": f"Choose one of this business's {noun}s."},
            )

    def _business(self) -> ConnectedBusiness | None:
        if self.instance.business_id and "business" not in self.data:
            return self.instance.business
        value = self.data.get("business") or self.initial.get("business")
        try:
            return ConnectedBusiness.objects.get(pk=int(value)) if value else None
        except (TypeError, ValueError, ConnectedBusiness.DoesNotExist):
            return None

    def clean(self):
        cleaned = super().clean() or {}
        business = cleaned.get("business")
        if business is not None and self.names is None:
            names = rate_names(business)
            for name, (attribute, noun) in PICKERS.items():
                value = cleaned.get(name)
                if value is not None and value not in getattr(names, attribute):
                    self.add_error(name, f"Not one of this business's {noun}s.")
        return cleaned


@admin.register(RateRule)
class RateRuleAdmin(TenantColumns, admin.ModelAdmin):
    form = RateRuleAdminForm
    autocomplete_fields = ["business"]
    list_display = [
        "id",
        "business",
        "owner",
        "client_freshbooks_id",
        "project_freshbooks_id",
        "service_freshbooks_id",
        "team_member_identity_id",
        "rate",
        "valid_from",
        "valid_to",
    ]
    list_filter = [BusinessFilter]
    list_select_related = [OWNER_PATH]

    class Media:
        js = ["js/rate_pickers.js"]


@admin.register(InvoiceSchedule)
class InvoiceScheduleAdmin(admin.ModelAdmin):
    list_display = ["business", "frequency", "weekday", "day_of_month", "period", "action"]
    list_filter = ["frequency", "action"]
    list_select_related = [OWNER_PATH]
