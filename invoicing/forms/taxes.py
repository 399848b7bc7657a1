"""The Rates page's tax defaults form (validation only).

What the taxes apply to (the whole business, one client or one service, picked by name) and up to
two of the business's taxes, ticked by name. The choices come from the view
(`invoicing.selectors.rates.rate_names`, `invoicing.selectors.tax_defaults.taxes_of`), so a tampered
id of another business is "not one of this business's ..." and nothing is saved; a tax FreshBooks
gives an unusable percent is listed but refused with its reason.
"""

from __future__ import annotations

from typing import Any

from django import forms

from invoicing.selectors.rates import RateNames
from invoicing.selectors.tax_defaults import TaxChoice

BUSINESS = "business"
MAX_TAXES = 2


def scope_value(scope: str, target_id: int | None = None) -> str:
    """The picker's value of a scope: "business", "client:12", "service:4"."""
    return scope if target_id is None else f"{scope}:{target_id}"


class TaxCheckboxes(forms.CheckboxSelectMultiple):
    """Tax tick boxes; an unusable tax is shown, disabled, with its reason."""

    def __init__(self, *args: Any, problems: dict[int, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.problems = dict(problems or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        try:
            tax_id = int(str(value))
        except ValueError:
            return option
        if tax_id in self.problems:
            option["attrs"]["disabled"] = True
        return option


class TaxDefaultForm(forms.Form):
    applies_to = forms.ChoiceField(
        label="Applies to",
        error_messages={
            "invalid_choice": "Choose the whole business or one of this business's clients or "
            "services.",
            "required": "Choose what these taxes apply to.",
        },
    )
    taxes = forms.TypedMultipleChoiceField(
        label="Taxes",
        coerce=int,
        required=False,
        help_text="Tick up to two; none means no tax on this time. A compound tax is charged on "
        "the amount plus the other tax, as FreshBooks does.",
        error_messages={"invalid_choice": "Choose among this business's taxes."},
    )

    def __init__(self, *args: Any, names: RateNames, taxes: list[TaxChoice], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.names = names
        self.tax_choices = {tax.id: tax for tax in taxes}
        scope_field = self.fields["applies_to"]
        assert isinstance(scope_field, forms.ChoiceField)
        scope_field.choices = [
            (BUSINESS, "The whole business"),
            (
                "Clients",
                [(scope_value("client", c.id), c.label) for c in names.choices("clients")],
            ),
            (
                "Services",
                [(scope_value("service", s.id), s.label) for s in names.choices("services")],
            ),
        ]
        tax_field = self.fields["taxes"]
        assert isinstance(tax_field, forms.MultipleChoiceField)
        tax_field.widget = TaxCheckboxes(
            problems={tax.id: tax.problem for tax in taxes if tax.problem is not None}
        )
        tax_field.choices = [(tax.id, tax.label) for tax in taxes]

    def clean_taxes(self) -> list[int]:
        chosen: list[int] = self.cleaned_data["taxes"]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError("Each tax can be chosen once: a line charges it once.")
        if len(chosen) > MAX_TAXES:
            raise forms.ValidationError(
                f"Choose at most two taxes: a FreshBooks line carries two (you chose "
                f"{len(chosen)})."
            )
        for tax_id in chosen:
            tax = self.tax_choices[tax_id]
            if tax.problem is not None:
                raise forms.ValidationError(f"{tax.display_name} cannot be charged: {tax.problem}.")
        return chosen

    def scope(self) -> tuple[str, int | None]:
        """("business", None), ("client", 12) or ("service", 4), from the validated choice."""
        value: str = self.cleaned_data["applies_to"]
        if value == BUSINESS:
            return BUSINESS, None
        scope, _, target = value.partition(":")
        return scope, int(target)
