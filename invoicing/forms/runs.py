"""Forms of an invoice run's options, a void and a re-bill. Validation of run options is the billing
core's (`BillingOptionsError` names the field), so the form and the rules never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms

from invoicing.billing import BillingOptionsError
from invoicing.models.policies import (
    DIRECTION_CHOICES,
    EXPENSE_CHOICES,
    EXPENSES_HELP,
    GROUPING_CHOICES,
    INCREMENT_CHOICES,
    LEVEL_CHOICES,
    PERIOD_CHOICES,
    UNPRICED_CHOICES,
    UNPRICED_HELP,
)
from invoicing.selectors import billing_context as billing_inputs


class RunOptionsForm(forms.Form):
    """Period, grouping and rounding of one run; defaults come from the business's policy."""

    period = forms.ChoiceField(choices=PERIOD_CHOICES)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grouping = forms.ChoiceField(choices=GROUPING_CHOICES)
    rounding_increment = forms.TypedChoiceField(
        coerce=int,
        choices=INCREMENT_CHOICES,
        label="Rounding increment",
        error_messages={
            "invalid_choice": "Choose a rounding increment of 0, 1, 6, 10, 15, 30 or 60 minutes."
        },
    )
    rounding_direction = forms.ChoiceField(choices=DIRECTION_CHOICES)
    rounding_level = forms.ChoiceField(choices=LEVEL_CHOICES, label="Rounding level")
    unpriced = forms.ChoiceField(
        label="Unpriced time",
        choices=UNPRICED_CHOICES,
        widget=forms.RadioSelect,
        help_text=UNPRICED_HELP,
        required=False,  # absent: the business's billing defaults decide
    )
    expenses = forms.ChoiceField(
        label="Unbilled expenses",
        choices=EXPENSE_CHOICES,
        widget=forms.RadioSelect,
        help_text=EXPENSES_HELP,
        required=False,  # absent: the business's billing defaults decide
    )
    clients = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Clients",
        widget=forms.CheckboxSelectMultiple,
        help_text="Time of a client you untick stays unbilled and is listed as left out by you.",
    )
    projects = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Projects",
        widget=forms.CheckboxSelectMultiple,
    )
    # Sent by the page with the tick boxes: without it (a caller that chose nothing) every client
    # and project is billed, since unticked boxes and absent ones look the same in a POST.
    choosing = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, business, policy, today, selection=None, **kwargs: Any) -> None:
        """`policy` (the business's billing defaults) fills the initial values and the gaps.

        `selection` (clients with unbilled time and their projects, from the selectors) offers the
        clients and projects to choose; without it the form has no such fields.
        """
        self.business = business
        self.policy = policy
        self.today = today
        self.selection = list(selection or [])
        kwargs.setdefault(
            "initial",
            {
                "period": "last_month",
                "grouping": policy.grouping,
                "rounding_increment": policy.rounding_increment,
                "rounding_direction": policy.rounding_direction,
                "rounding_level": policy.rounding_level,
                "unpriced": policy.unpriced,
                "expenses": policy.expenses,
                "choosing": True,
                "clients": [choice.client_id for choice in self.selection],
                "projects": [
                    project_id for choice in self.selection for project_id, _ in choice.projects
                ],
            },
        )
        super().__init__(*args, **kwargs)
        if self.selection:
            clients = cast(forms.TypedMultipleChoiceField, self.fields["clients"])
            clients.choices = [(choice.client_id, choice.name) for choice in self.selection]
            projects = cast(forms.TypedMultipleChoiceField, self.fields["projects"])
            projects.choices = [
                (project_id, title)
                for choice in self.selection
                for project_id, title in choice.projects
            ]
        else:
            del self.fields["clients"]
            del self.fields["projects"]
            del self.fields["choosing"]

    def _chose(self) -> bool:
        return "clients" in self.fields and bool(self.cleaned_data.get("choosing"))

    def client_choices(self) -> list[dict[str, Any]]:
        """The clients and their projects as the template lays them out, with their ticks."""
        if "clients" not in self.fields:
            return []
        ticked_clients = {str(value) for value in self["clients"].value() or []}
        ticked_projects = {str(value) for value in self["projects"].value() or []}
        prefix = self.add_prefix
        return [
            {
                "id": choice.client_id,
                "name": choice.name,
                "hours": choice.hours,
                "ticked": str(choice.client_id) in ticked_clients,
                "field": prefix("clients"),
                "projects": [
                    {
                        "id": project_id,
                        "title": title,
                        "ticked": str(project_id) in ticked_projects,
                        "field": prefix("projects"),
                    }
                    for project_id, title in choice.projects
                ],
            }
            for choice in self.selection
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() returns its cleaned_data
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        if self._chose() and not cleaned.get("clients"):
            self.add_error("clients", "Choose at least one client to bill.")
            return cleaned
        try:
            billing_inputs.options_for(
                self.business, self.raw_options(), today=self.today, policy=self.policy
            )
        except BillingOptionsError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return cleaned

    def raw_options(self) -> dict[str, Any]:
        data = self.cleaned_data
        raw = {
            "period": data["period"],
            "start": data.get("start"),
            "end": data.get("end"),
            "grouping": data["grouping"],
            "rounding_increment": data["rounding_increment"],
            "rounding_direction": data["rounding_direction"],
            "rounding_level": data["rounding_level"],
            "unpriced": data.get("unpriced") or self.policy.unpriced,
            "expenses": data.get("expenses") or self.policy.expenses,
        }
        if self._chose():
            # Stored as what was left out, so a client with new time later is billed by default.
            offered_clients = {choice.client_id for choice in self.selection}
            offered_projects = {
                project_id for choice in self.selection for project_id, _ in choice.projects
            }
            raw["excluded_client_ids"] = sorted(offered_clients - set(data.get("clients") or []))
            raw["excluded_project_ids"] = sorted(offered_projects - set(data.get("projects") or []))
        return raw


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the draft for the audit.",
    )


class RebillForm(RunOptionsForm):
    """The replacement's options, starting from the replaced draft's run, and why it is re-billed.

    Posted without a period, the replacement keeps the run's period.
    """

    reason = forms.CharField(
        label="Reason (required)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the draft is re-billed; kept with the voided draft for the audit.",
        error_messages={"required": "Say why the draft is re-billed; it is kept for the audit."},
    )

    def __init__(
        self, data: Any = None, *args: Any, run_options: Mapping[str, Any], **kwargs: Any
    ) -> None:
        period = {
            "period": "custom",
            "start": run_options["period_start"],
            "end": run_options["period_end"],
        }
        if data is not None and not data.get("period"):
            data = data.copy()
            for name, value in period.items():
                data[name] = value
        super().__init__(data, *args, **kwargs)
        self.order_fields(["reason"])
        # The run's own options (its period resolved to dates) over the business's defaults.
        self.initial.update(period)
        self.initial.update(
            (name, value) for name, value in run_options.items() if name in self.fields
        )


class _IdList(forms.Field):
    """Repeated values of one name (tick boxes, hidden inputs), each a whole number."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids = []
        for item in value or []:
            try:
                ids.append(int(str(item).strip()))
            except ValueError:
                raise forms.ValidationError(f"{item!r} is not a time entry.") from None
        return ids


class _LineKeys(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        keys = [str(item).strip() for item in value or []]
        for key in keys:
            draft, _, line = key.partition("-")
            if not (draft.isdigit() and line.isdigit()):
                raise forms.ValidationError(f"{key!r} is not a line of this preview.")
        return keys


class PreviewSelectionForm(forms.Form):
    """What a preview page's tick boxes say: `shown` every entry offered, `bill` those left
    ticked, `bill_line` the lines left ticked. Whether they belong to the preview is the
    service's check (SelectionRefused)."""

    shown = _IdList(required=False)
    bill = _IdList(required=False)
    bill_line = _LineKeys(required=False)
    lines_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def has_choices(self) -> bool:
        return bool(self.cleaned_data.get("shown") or self.cleaned_data.get("lines_shown"))

    def choices(self) -> dict[str, Any]:
        return {
            "shown_entry_ids": self.cleaned_data["shown"],
            "billed_entry_ids": self.cleaned_data["bill"],
            "billed_lines": self.cleaned_data["bill_line"],
        }
