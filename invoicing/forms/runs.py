"""Forms for runs, voids, schedules and billing policy. Validation of run options is the billing
core's (`BillingOptionsError` names the field), so the form and the rules never disagree."""

from __future__ import annotations

from typing import Any

from django import forms

from invoicing.billing import GROUPING_MODES, BillingOptionsError
from invoicing.billing.periods import PRESETS
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS
from invoicing.models import BillingPolicy, InvoiceSchedule
from invoicing.services import billing_inputs

PERIOD_LABELS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_week": "This week",
    "last_week": "Last week",
    "custom": "Custom dates",
}
GROUPING_LABELS = {
    "detailed": "Detailed: one line per time entry",
    "service": "By service",
    "project": "By project",
    "team_member": "By team member",
    "day": "By day",
    "single": "Single line",
}


class RunOptionsForm(forms.Form):
    """Period, grouping and rounding of one run; defaults come from the business's policy."""

    period = forms.ChoiceField(choices=[(preset, PERIOD_LABELS[preset]) for preset in PRESETS])
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grouping = forms.ChoiceField(choices=[(mode, GROUPING_LABELS[mode]) for mode in GROUPING_MODES])
    rounding_increment = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (minutes, "No rounding" if minutes == 0 else f"{minutes} minutes")
            for minutes in INCREMENTS_MINUTES
        ],
        label="Round to",
        error_messages={
            "invalid_choice": "Choose a rounding increment of 0, 1, 6, 10, 15, 30 or 60 minutes."
        },
    )
    rounding_direction = forms.ChoiceField(
        choices=[(direction, direction.capitalize()) for direction in DIRECTIONS]
    )
    rounding_level = forms.ChoiceField(
        choices=[(level, f"Per {level}") for level in LEVELS], label="Round"
    )
    allow_zero_rate = forms.BooleanField(
        required=False,
        label="Allow zero-rated lines",
        help_text="Otherwise time without a rate holds back its client's whole draft.",
    )

    def __init__(self, *args: Any, business, today, **kwargs: Any) -> None:
        self.business = business
        self.today = today
        policy = billing_inputs.billing_policy_for(business)
        kwargs.setdefault(
            "initial",
            {
                "period": "last_month",
                "grouping": policy.grouping,
                "rounding_increment": policy.rounding_increment,
                "rounding_direction": policy.rounding_direction,
                "rounding_level": policy.rounding_level,
                "allow_zero_rate": policy.allow_zero_rate,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            billing_inputs.options_for(self.business, self.raw_options(), today=self.today)
        except BillingOptionsError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return cleaned

    def raw_options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "period": data["period"],
            "start": data.get("start"),
            "end": data.get("end"),
            "grouping": data["grouping"],
            "rounding_increment": data["rounding_increment"],
            "rounding_direction": data["rounding_direction"],
            "rounding_level": data["rounding_level"],
            "allow_zero_rate": bool(data.get("allow_zero_rate")),
        }


class VoidForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the draft for the audit.",
    )


class RebillForm(RunOptionsForm):
    """Void, then preview the same client and period with these options."""

    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the voided draft for the audit.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("period", "start", "end"):
            del self.fields[name]

    def raw_options(self) -> dict[str, Any]:
        """Without a period: the re-bill keeps the voided draft's."""
        data = self.cleaned_data
        return {
            "grouping": data["grouping"],
            "rounding_increment": data["rounding_increment"],
            "rounding_direction": data["rounding_direction"],
            "rounding_level": data["rounding_level"],
            "allow_zero_rate": bool(data.get("allow_zero_rate")),
        }


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = InvoiceSchedule
        fields = [
            "frequency",
            "weekday",
            "day_of_month",
            "period",
            "grouping",
            "rounding_increment",
            "rounding_direction",
            "rounding_level",
            "allow_zero_rate",
            "action",
        ]
        help_texts = {
            "day_of_month": "1 to 28, so every month has the day.",
            "period": "The period billed, counted from the day the schedule fires.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (preset, PERIOD_LABELS[preset]) for preset in PRESETS if preset != "custom"
        ]
        self.fields["day_of_month"].widget.attrs.update({"min": 1, "max": 28})

    def clean_day_of_month(self) -> int:
        day = self.cleaned_data["day_of_month"]
        if not 1 <= day <= 28:
            raise forms.ValidationError("Choose a day from 1 to 28.")
        return day


class BillingPolicyForm(forms.ModelForm):
    class Meta:
        model = BillingPolicy
        fields = [
            "grouping",
            "rounding_increment",
            "rounding_direction",
            "rounding_level",
            "allow_zero_rate",
            "standard_rate",
        ]
        help_texts = {
            "standard_rate": "Used for projects billed at the business standard rate "
            "(FreshBooks does not share it through its API).",
        }

    def clean_standard_rate(self):
        rate = self.cleaned_data["standard_rate"]
        if rate is not None and rate < 0:
            raise forms.ValidationError("A rate cannot be negative.")
        return rate
