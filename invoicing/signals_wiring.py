"""Invoicing's part in a business's life cycle: a new connection starts a full sync."""

from connections.models import ConnectedBusiness
from connections.services import business_hooks


@business_hooks.on_connect
def start_initial_sync(business_pk: int) -> None:
    from invoicing.services.sync.runs import sync_run_request

    business = ConnectedBusiness.objects.get(pk=business_pk)
    sync_run_request(business=business, trigger="connect", full=True)
