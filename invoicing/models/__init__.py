"""Every model of the invoicing app, imported explicitly so Django registers them.

- mirror: FreshBooks objects copied per business (clients, projects, services, rates, time);
- expenses: mirrored expenses and taxes;
- sync_runs: one sync of a business and its outcome;
- policies: billing defaults, local rate rules, the invoice schedule;
- runs: invoice runs, draft invoices, their lines and reserved time entries and expenses;
- imports: CSV imports of hours from outside FreshBooks;
- tax_defaults: the local taxes time lines carry, per business, client or service.
- watermarks: the version of a business's billing inputs that previews are compared with.
"""

from invoicing.models.expenses import Expense, Tax
from invoicing.models.imports import HoursImport
from invoicing.models.mirror import (
    Client,
    Mirror,
    Project,
    ProjectServiceRate,
    Service,
    ServiceRate,
    TeamMember,
    TimeEntry,
)
from invoicing.models.policies import BillingPolicy, InvoiceSchedule, RateRule
from invoicing.models.runs import DraftEntry, DraftExpense, DraftInvoice, DraftLine, InvoiceRun
from invoicing.models.sync_runs import SyncRun
from invoicing.models.tax_defaults import TaxDefault
from invoicing.models.watermarks import BillingInputsVersion

__all__ = [
    "BillingInputsVersion",
    "BillingPolicy",
    "Client",
    "DraftEntry",
    "DraftExpense",
    "DraftInvoice",
    "DraftLine",
    "Expense",
    "HoursImport",
    "InvoiceRun",
    "InvoiceSchedule",
    "Mirror",
    "Project",
    "ProjectServiceRate",
    "RateRule",
    "Service",
    "ServiceRate",
    "SyncRun",
    "Tax",
    "TaxDefault",
    "TeamMember",
    "TimeEntry",
]
