"""Forms of an invoice run's options, a void and a re-bill. Validation of run options is the billing
core's (`BillingOptionsError` names the field), so the form and the rules never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from invoicing.billing import GROUPING_MODES, BillingOptionsError
from invoicing.billing.periods import PRESETS
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS
from invoicing.selectors import billing_context as billing_inputs

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

    def __init__(self, *args: Any, business, policy, today, **kwargs: Any) -> None:
        """`policy` (the business's billing defaults) fills the initial values and the gaps."""
        self.business = business
        self.policy = policy
        self.today = today
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
        super().clean()  # a Form's clean() returns its cleaned_data
        cleaned = self.cleaned_data
        if self.errors:
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
