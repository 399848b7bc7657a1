"""Manual entry of hours on the business page: pickers of the business's own clients, projects,
services and team members; a date and start time in the business's time zone; a duration."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms

from invoicing.hours.checks import MAX_NOTE, duration_problem, start_problem
from invoicing.hours.durations import BadDuration, duration_seconds


class ManualHoursForm(forms.Form):
    client = forms.TypedChoiceField(coerce=int)
    project = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    service = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    team_member = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start time", initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration = forms.CharField(
        max_length=20, help_text="1:30, 1.5 (hours) or 90m.", widget=forms.TextInput()
    )
    note = forms.CharField(max_length=MAX_NOTE, required=False, widget=forms.Textarea({"rows": 3}))
    billable = forms.BooleanField(required=False, initial=True)

    def __init__(
        self,
        *args,
        choices: dict[str, list[tuple[int, str]]],
        project_clients: dict[int, int | None],
        zone: str,
        now: datetime,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.project_clients = project_clients
        self.zone = ZoneInfo(zone or "UTC")
        self.now = now
        blanks = {
            "client": "Choose a client",
            "project": "No project",
            "service": "No service",
            "team_member": "No team member",
        }
        for name, blank in blanks.items():
            field = cast(forms.TypedChoiceField, self.fields[name])
            field.choices = [("", blank), *choices[name]]
        self.fields["team_member"].label = "Team member"

    def clean_duration(self) -> int:
        try:
            seconds = duration_seconds(self.cleaned_data["duration"])
        except BadDuration as error:
            raise forms.ValidationError(str(error)) from None
        problem = duration_problem(seconds)
        if problem:
            raise forms.ValidationError(problem)
        return seconds

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        project, client = cleaned.get("project"), cleaned.get("client")
        owner = self.project_clients.get(project) if project is not None else None
        if project is not None and client is not None and owner not in (None, client):
            self.add_error("project", "This project belongs to another client.")
        day, start = cleaned.get("date"), cleaned.get("start_time")
        if day is not None and start is not None:
            started_at = datetime.combine(day, start, tzinfo=self.zone)
            problem = start_problem(started_at, self.now)
            if problem:
                self.add_error("date", problem)
            cleaned["started_at"] = started_at
        return cleaned
