"""The invoicing tests' one-entry business (one client, one hour at 100.00 in April 2024)."""

from tests.invoicing.conftest import one_entry_business

__all__ = ["one_entry_business"]
