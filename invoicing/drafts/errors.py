"""Typed outcomes of the draft services, so views answer with a message and tasks retry."""

from __future__ import annotations


class DraftError(Exception):
    """Base class; `message` is written for the user who pressed the button."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReconnectRequired(DraftError):
    """The business's FreshBooks identity lost access (or the business was disconnected)."""


class RunNotCreatable(DraftError):
    """The run is not a preview waiting for approval (already created, failed, ...)."""


class DraftBusy(DraftError):
    """Another worker holds the draft's lease right now; try again shortly."""


class VoidRefused(DraftError):
    """FreshBooks says the invoice is no longer a draft (sent, viewed, paid), or the draft's
    FreshBooks outcome cannot be settled yet."""


class VoidInterrupted(DraftError):
    """A FreshBooks call failed part-way; what was done is kept and voiding again resumes it."""


class DraftRetryLater(DraftError):
    """A transient FreshBooks failure: the draft keeps its state and the task retries."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LeaseLost(DraftError):
    """The worker's lease expired and another worker took the draft over; stop touching it."""


class RebillRefused(DraftError):
    """The draft cannot be re-billed (it is already voided: its time is billable again)."""


class ReplacementNotCreated(DraftError):
    """A re-bill voided the old draft but could not create the replacement. Nothing is lost: the
    old draft's time is unbilled in FreshBooks and in the mirror, free to bill again."""


class PreviewClosed(DraftError):
    """The run is no longer a preview (its drafts were created, or it was discarded)."""


class SelectionRefused(DraftError):
    """What the user left out of a preview names entries or lines the preview does not show."""
