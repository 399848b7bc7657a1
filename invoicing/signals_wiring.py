"""Invoicing's part in a business's life cycle and in webhook processing.

A new connection starts a full sync; webhook events about the objects invoicing mirrors are
handled by re-fetching the object from FreshBooks.
"""

from connections.models import ConnectedBusiness
from connections.services import business_hooks
from connections.webhooks import registry
from invoicing.services.sync.objects import NOUNS, object_refresh

for noun in sorted(NOUNS):
    registry.register(noun, object_refresh)


@business_hooks.on_connect
def start_initial_sync(business_pk: int) -> None:
    from invoicing.services.sync.runs import sync_run_request

    business = ConnectedBusiness.objects.get(pk=business_pk)
    sync_run_request(business=business, trigger="connect", full=True)
