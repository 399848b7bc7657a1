"""Model factories shared by the test-suite, one module per app: ``from tests.factories import X``.

A factory fills in what a row needs to exist (its owner, FreshBooks ids, names, required amounts
and dates); flags and states keep the model's defaults. A test passes every value it depends on,
so it reads as its own specification.
"""

from tests.factories.accounts import UserFactory
from tests.factories.connections import (
    ConnectedBusinessFactory,
    ConnectionFactory,
    IdentityFactory,
    membership,
)
from tests.factories.invoicing import (
    BillingPolicyFactory,
    ClientFactory,
    DraftEntryFactory,
    DraftInvoiceFactory,
    DraftLineFactory,
    ExpenseFactory,
    InvoiceRunFactory,
    InvoiceScheduleFactory,
    ProjectFactory,
    ProjectServiceRateFactory,
    RateRuleFactory,
    ServiceFactory,
    ServiceRateFactory,
    SyncRunFactory,
    TaxFactory,
    TeamMemberFactory,
    TimeEntryFactory,
)
from tests.factories.webhooks import WebhookDeliveryFactory, WebhookSubscriptionFactory

__all__ = [
    "BillingPolicyFactory",
    "ClientFactory",
    "ConnectedBusinessFactory",
    "ConnectionFactory",
    "DraftEntryFactory",
    "DraftInvoiceFactory",
    "DraftLineFactory",
    "ExpenseFactory",
    "IdentityFactory",
    "InvoiceRunFactory",
    "InvoiceScheduleFactory",
    "ProjectFactory",
    "ProjectServiceRateFactory",
    "RateRuleFactory",
    "ServiceFactory",
    "ServiceRateFactory",
    "SyncRunFactory",
    "TaxFactory",
    "TeamMemberFactory",
    "TimeEntryFactory",
    "UserFactory",
    "WebhookDeliveryFactory",
    "WebhookSubscriptionFactory",
    "membership",
]
