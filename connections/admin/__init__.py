"""Operators' console for the connections app; each module registers its own model admins.

Tokens and verifiers are never shown. Every action calls the same service the dashboard does, and
every list computes its counts in the one list query, so a page costs the same for 10 rows or 1,000.
The connected businesses' console is invoicing's (`invoicing/admin/businesses.py`).
"""

from connections.admin import connections, identities
from connections.webhooks import admin as webhooks

__all__ = ["connections", "identities", "webhooks"]
