"""Typed errors of the billing core, so views can answer bad input with a 4xx, not a crash."""

from __future__ import annotations


class BillingOptionsError(ValueError):
    """A run option or a user-configured rule is out of range.

    `field` names the offending form field so a view can show the message next to it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BillingInputError(ValueError):
    """The facts loaded from the database break an invariant (a bug in the loader, not the user)."""
