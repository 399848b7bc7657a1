"""The preview snapshot lives with the other preview reads in `invoicing.selectors.previews`;
this module keeps its old name for code that imports it from here."""

from invoicing.selectors.previews import REASON_LABELS, preview_changes, preview_snapshot

__all__ = ["REASON_LABELS", "preview_changes", "preview_snapshot"]
