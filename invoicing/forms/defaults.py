"""Forms of a business's billing defaults and invoice schedule (validation only; services save)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from invoicing.billing.periods import PRESETS
from invoicing.forms.rates import check_hourly_rate
from invoicing.models import BillingPolicy, InvoiceSchedule
from invoicing.models.policies import EXPENSE_CHOICES, PERIOD_LABELS, UNPRICED_CHOICES


class UnpricedChoice:
    """The unpriced-time choice as radio buttons; a POST without it keeps the saved choice."""

    def setup_unpriced(self) -> None:
        field = cast(forms.TypedChoiceField, self.fields["unpriced"])  # type: ignore[attr-defined]
        field.widget = forms.RadioSelect(choices=UNPRICED_CHOICES)
        field.choices = UNPRICED_CHOICES  # without the blank a model field's choices start with
        field.required = False

    def clean_unpriced(self) -> str:
        value = self.cleaned_data.get("unpriced")  # type: ignore[attr-defined]
        return value or self.instance.unpriced  # type: ignore[attr-defined]


class ScheduleForm(UnpricedChoice, forms.ModelForm):
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
            "unpriced",
            "action",
        ]
        help_texts = {
            "day_of_month": "1 to 28, so every month has the day.",
            "period": "The period billed, counted from the day the schedule fires.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model field has choices, so its form field is a TypedChoiceField.
        period = cast(forms.TypedChoiceField, self.fields["period"])
        period.choices = [
            (preset, PERIOD_LABELS[preset]) for preset in PRESETS if preset != "custom"
        ]
        self.fields["day_of_month"].widget.attrs.update({"min": 1, "max": 28})
        self.setup_unpriced()

    def clean_day_of_month(self) -> int:
        day = self.cleaned_data["day_of_month"]
        if not 1 <= day <= 28:
            raise forms.ValidationError("Choose a day from 1 to 28.")
        return day


class BillingPolicyForm(UnpricedChoice, forms.ModelForm):
    class Meta:
        model = BillingPolicy
        fields = [
            "grouping",
            "rounding_increment",
            "rounding_direction",
            "rounding_level",
            "unpriced",
            "expenses",
            "standard_rate",
            "write_back_outside_hours",
        ]
        help_texts = {
            "standard_rate": "Used for projects billed at the business standard rate "
            "(FreshBooks does not share it through its API).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_unpriced()
        expenses = cast(forms.TypedChoiceField, self.fields["expenses"])
        expenses.widget = forms.RadioSelect(choices=EXPENSE_CHOICES)
        expenses.choices = EXPENSE_CHOICES
        expenses.required = False

    def clean_expenses(self) -> str:
        """A POST without the choice (an older page) keeps the saved one."""
        return self.cleaned_data.get("expenses") or self.instance.expenses

    def clean_standard_rate(self):
        return check_hourly_rate(self.cleaned_data["standard_rate"])
