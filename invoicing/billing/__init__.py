"""Pure billing rules: rates, rounding, grouping, periods and money (no ORM, no I/O).

Services load mirrored rows into the dataclasses of `inputs`, call `plan_drafts` once, and
save or render the `BillingPlan` it returns. The rules themselves are in shared/design/billing.md.
"""

from invoicing.billing.eligibility import PREVIEW_REASONS, NotBilledReason
from invoicing.billing.errors import BillingInputError, BillingOptionsError
from invoicing.billing.expenses import (
    EXPENSE_CHOICES,
    EXPENSES_ALL,
    EXPENSES_NONE,
    EXPENSES_PROJECTS,
    ExpenseDecision,
    ExpenseFacts,
    ExpenseLine,
    ExpenseNotBilled,
)
from invoicing.billing.grouping import LinePlan
from invoicing.billing.inputs import (
    BusinessFacts,
    Catalog,
    ClientFacts,
    ProjectFacts,
    ServiceFacts,
    TeamMemberFacts,
    TimeEntryFacts,
)
from invoicing.billing.options import (
    GROUPING_MODES,
    UNPRICED_CHOICES,
    UNPRICED_HOLD,
    UNPRICED_LEAVE,
    UNPRICED_ZERO,
    BillingOptions,
    billing_options_from,
)
from invoicing.billing.periods import Period, local_date, period_bounds_utc, period_from_preset
from invoicing.billing.planner import (
    BillingPlan,
    DraftPlan,
    NotBilledEntry,
    draft_unique_key,
    plan_drafts,
)
from invoicing.billing.rates import RateFix, RateRule, RateSource, RateSourceKind, ResolvedRate
from invoicing.billing.rounding import RoundingPolicy, round_seconds
from invoicing.billing.taxes import Tax

__all__ = [
    "EXPENSES_ALL",
    "EXPENSES_NONE",
    "EXPENSES_PROJECTS",
    "EXPENSE_CHOICES",
    "GROUPING_MODES",
    "PREVIEW_REASONS",
    "UNPRICED_CHOICES",
    "UNPRICED_HOLD",
    "UNPRICED_LEAVE",
    "UNPRICED_ZERO",
    "BillingInputError",
    "BillingOptions",
    "BillingOptionsError",
    "BillingPlan",
    "BusinessFacts",
    "Catalog",
    "ClientFacts",
    "DraftPlan",
    "ExpenseDecision",
    "ExpenseFacts",
    "ExpenseLine",
    "ExpenseNotBilled",
    "LinePlan",
    "NotBilledEntry",
    "NotBilledReason",
    "Period",
    "ProjectFacts",
    "RateFix",
    "RateRule",
    "RateSource",
    "RateSourceKind",
    "ResolvedRate",
    "RoundingPolicy",
    "ServiceFacts",
    "Tax",
    "TeamMemberFacts",
    "TimeEntryFacts",
    "billing_options_from",
    "draft_unique_key",
    "local_date",
    "period_bounds_utc",
    "period_from_preset",
    "plan_drafts",
    "round_seconds",
]
