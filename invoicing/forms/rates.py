"""Forms of the Rates page: the standard rate and local rate rules (validation only).

Pickers offer the business's own clients, projects, services and team members by name (choices
come from `invoicing.selectors.rates.rate_names`, passed in by the view), so a tampered id from
another business is "not one of this business's ..." and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from invoicing.models.fields import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS
from invoicing.selectors.rates import PREFILL_PARAMETERS, Choice, RateNames

# Above this an hourly rate is a typing mistake, not a price.
MAX_HOURLY_RATE = Decimal("1000000")


def hourly_rate_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
        error_messages={
            "invalid": "Enter the rate as a number, such as 95 or 12.345.",
            "max_decimal_places": "Use at most 6 decimal places.",
            "max_digits": "That rate is too large: enter at most 1,000,000 per hour.",
            "max_whole_digits": "That rate is too large: enter at most 1,000,000 per hour.",
        },
        **kwargs,
    )


def check_hourly_rate(rate: Decimal | None) -> Decimal | None:
    if rate is None:
        return rate
    if rate < 0:
        raise forms.ValidationError("A rate cannot be negative.")
    if rate > MAX_HOURLY_RATE:
        raise forms.ValidationError(
            "That is over 1,000,000 per hour; check the amount (it is per hour, not per project)."
        )
    return rate


class StandardRateForm(forms.Form):
    """The business standard rate; left empty it is "not known" (projects billed at it wait)."""

    standard_rate = hourly_rate_field(
        label="Standard rate per hour",
        required=False,
        help_text="For projects that bill at the business standard rate. FreshBooks does not "
        "share it through its API, so it is entered here. Leave it empty if you do not use one.",
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standard_rate"].required = required
        if required:
            self.fields["standard_rate"].help_text = (
                "Per hour, before tax, such as 95 or 112.50. Projects billed at the standard "
                "rate use it."
            )
        self.fields["standard_rate"].error_messages["required"] = (
            "Enter your hourly rate, or choose “Skip for now”."
        )

    def clean_standard_rate(self) -> Decimal | None:
        return check_hourly_rate(self.cleaned_data["standard_rate"])


class PickerSelect(forms.Select):
    """A `<select>` whose options may carry the client they belong to (`data-client`), which the
    page's script uses to narrow projects to the chosen client; `data-searchable` adds a search
    box in front of it (static/js/rate_pickers.js). Without JavaScript it is a plain select."""

    def __init__(self, *args: Any, option_clients: Mapping[int, int | None] | None = None, **kw):
        super().__init__(*args, **kw)
        self.option_clients = dict(option_clients or {})
        self.attrs.setdefault("data-searchable", "")

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option_id = _as_int(value)
        client_id = self.option_clients.get(option_id) if option_id is not None else None
        if client_id is not None:
            option["attrs"]["data-client"] = str(client_id)
        return option


def _as_int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _picker(label: str, noun: str, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        required=required,
        empty_value=None,
        widget=PickerSelect(),
        error_messages={
            "invalid_choice": f"Choose one of this business's {noun}.",
            "required": f"Choose the {label.lower()} this rate is for.",
        },
    )


class RateRuleForm(forms.Form):
    """A local rate rule: a client, optionally narrowed to a project, a service and a team member,
    a rate, and optional effective dates (inclusive)."""

    client = _picker("Client", "clients", required=True)
    project = _picker("Project", "projects", required=False)
    service = _picker("Service", "services", required=False)
    team_member = _picker("Team member", "team members", required=False)
    rate = hourly_rate_field(label="Rate per hour")
    valid_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="First day the rate applies (empty: no start).",
    )
    valid_to = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Last day the rate applies, included (empty: no end).",
    )
    note = forms.CharField(label="Note", required=False, max_length=255)

    EMPTY_LABELS = {
        "client": "Choose a client",
        "project": "Any project",
        "service": "Any service",
        "team_member": "Anyone",
    }
    KINDS = {
        "client": "clients",
        "project": "projects",
        "service": "services",
        "team_member": "team_members",
    }

    def __init__(self, *args: Any, names: RateNames, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        for field_name, kind in self.KINDS.items():
            choices: list[Choice] = names.choices(kind)
            field = self.fields[field_name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", self.EMPTY_LABELS[field_name])] + [
                (choice.id, choice.label) for choice in choices
            ]
            if field_name == "project":
                field.widget.option_clients = {choice.id: choice.client_id for choice in choices}

    def clean_rate(self) -> Decimal | None:
        return check_hourly_rate(self.cleaned_data["rate"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        client_id, project_id = cleaned.get("client"), cleaned.get("project")
        if client_id is not None and project_id is not None:
            owner = self.names.project_clients.get(project_id)
            if owner is not None and owner != client_id:
                self.add_error(
                    "project",
                    f"{self.names.project(project_id)} is a project of "
                    f"{self.names.client(owner)}, not of {self.names.client(client_id)}: "
                    "its time never matches this rule.",
                )
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error(
                "valid_to",
                "The rule ends before it starts: choose an end date on or after "
                f"{valid_from.isoformat()}.",
            )
        return cleaned

    def rule_values(self) -> dict[str, Any]:
        """The validated values as the rate rule services take them."""
        data = self.cleaned_data
        return {
            "client_freshbooks_id": data["client"],
            "project_freshbooks_id": data["project"],
            "service_freshbooks_id": data["service"],
            "team_member_identity_id": data["team_member"],
            "rate": data["rate"],
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "note": data["note"],
        }


def rule_initial(rule: Any) -> dict[str, Any]:
    """The form's initial values for an existing rule."""
    return {
        "client": rule.client_freshbooks_id,
        "project": rule.project_freshbooks_id,
        "service": rule.service_freshbooks_id,
        "team_member": rule.team_member_identity_id,
        "rate": rule.rate,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "note": rule.note,
    }


def rule_prefill(query: Mapping[str, str], names: RateNames) -> dict[str, int]:
    """Initial picker values from a fix link's query (`?client=10&project=70&service=4&member=9`).

    Only ids of the business's own objects are kept; anything else is ignored, not an error (a
    link may be old). A project alone brings its client.
    """
    known = {
        "client": ("client", names.clients),
        "project": ("project", names.projects),
        "service": ("service", names.services),
        "member": ("team_member", names.team_members),
    }
    initial: dict[str, int] = {}
    for parameter in PREFILL_PARAMETERS:
        field_name, ids = known[parameter]
        value = _as_int(query.get(parameter))
        if value is not None and value in ids:
            initial[field_name] = value
    if "project" in initial and "client" not in initial:
        owner = names.project_clients.get(initial["project"])
        if owner is not None and owner in names.clients:
            initial["client"] = owner
    return initial
