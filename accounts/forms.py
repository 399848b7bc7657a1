from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="Where it will be used, e.g. “Zapier” or “Our time tracker”.",
    )
