"""Draft invoices: preview, plan, create exactly once, mark billed, void and re-bill, sweep.

The public functions other code calls are re-exported here.
"""

from invoicing.drafts.advance import draft_advance, draft_give_up, draft_retry
from invoicing.drafts.choices import (
    invoice_run_discard,
    invoice_run_replan_confirm,
    invoice_run_select,
)
from invoicing.drafts.errors import (
    DraftBusy,
    DraftError,
    DraftRetryLater,
    PreviewClosed,
    RebillRefused,
    ReconnectRequired,
    ReplacementNotCreated,
    RunNotCreatable,
    SelectionRefused,
    VoidInterrupted,
    VoidRefused,
)
from invoicing.drafts.plan import (
    business_access_check,
    invoice_run_create,
    invoice_run_preview,
    invoice_run_start,
)
from invoicing.drafts.progress import invoice_run_refresh
from invoicing.drafts.rebill import draft_rebill_confirm, draft_rebill_preview
from invoicing.drafts.sweeper import drafts_sweep
from invoicing.drafts.void import draft_release_on_remote_delete, draft_void

__all__ = [
    "DraftBusy",
    "DraftError",
    "DraftRetryLater",
    "RebillRefused",
    "PreviewClosed",
    "ReconnectRequired",
    "ReplacementNotCreated",
    "RunNotCreatable",
    "SelectionRefused",
    "VoidInterrupted",
    "VoidRefused",
    "business_access_check",
    "draft_advance",
    "draft_give_up",
    "draft_rebill_confirm",
    "draft_rebill_preview",
    "draft_release_on_remote_delete",
    "draft_retry",
    "draft_void",
    "drafts_sweep",
    "invoice_run_create",
    "invoice_run_discard",
    "invoice_run_preview",
    "invoice_run_replan_confirm",
    "invoice_run_select",
    "invoice_run_refresh",
    "invoice_run_start",
]
