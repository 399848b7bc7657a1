from typing import cast

from django import forms


class BusinessPickerForm(forms.Form):
    """Validated again in the service against /me, so tampered ids are refused there too."""

    business_ids = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields holds copies of the fields declared above, of the same classes.
        business_ids = cast(forms.TypedMultipleChoiceField, self.fields["business_ids"])
        business_ids.choices = [
            (choice.business_id, choice.name) for choice in choices if choice.connectable
        ]


class DisconnectForm(forms.Form):
    KEEP, DELETE = "keep", "delete"
    local_data = forms.ChoiceField(
        choices=[
            (KEEP, "Keep the synced data and invoice history in this app"),
            (DELETE, "Delete the synced data of these businesses from this app"),
        ],
        initial=KEEP,
        widget=forms.RadioSelect,
        label="What should happen to the data already synced?",
    )
