"""The business page's time entry filters (GET); ids outside the business's mirror are refused."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from invoicing.billing import BillingOptionsError, period_from_preset
from invoicing.selectors.businesses import TimeEntryFilters

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
        choices=[
            ("", "Any"),
            ("unbilled", "Billable, not billed yet"),
            ("not_billable", "Not billable"),
            ("billed", "Billed"),
        ],
    )
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clients: dict[int, str], projects: dict[int, str], today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # self.fields holds copies of the fields declared above, of the same classes.
        client = cast(forms.TypedChoiceField, self.fields["client"])
        client.choices = [("", "All clients"), *clients.items()]
        project = cast(forms.TypedChoiceField, self.fields["project"])
        project.choices = [("", "All projects"), *projects.items()]

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() returns its cleaned_data
        cleaned = self.cleaned_data
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

    def filters(self) -> TimeEntryFilters:
        if not self.is_valid():
            return TimeEntryFilters()
        status = self.cleaned_data["status"]
        # "Not billed" means billable time waiting for an invoice; non-billable time is its own.
        billed, billable = {
            "billed": (True, None),
            "unbilled": (False, True),
            "not_billable": (False, False),
        }.get(status, (None, None))
        return TimeEntryFilters(
            client_id=self.cleaned_data["client"],
            project_id=self.cleaned_data["project"],
            billed=billed,
            billable=billable,
            period=self.cleaned_data["period_range"],
        )
