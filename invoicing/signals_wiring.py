"""Invoicing's part in a business's life cycle and in webhook processing.

A new connection starts a full sync; webhook events about the objects invoicing mirrors are
handled by re-fetching the object from FreshBooks, and ``invoice.delete`` of one of our drafts
releases its time entries (other invoice events are stored as ignored, never re-fetched).
"""

from connections.models import ConnectedBusiness
from connections.services import business_hooks
from connections.webhooks import registry
from invoicing.services.drafts import DraftBusy, draft_release_on_remote_delete
from invoicing.services.sync.objects import NOUNS, object_refresh

for noun in sorted(NOUNS):
    registry.register(noun, object_refresh)


def invoice_deleted(*, business: ConnectedBusiness, noun: str, object_id: int) -> str:
    """``invoice.delete``: release the draft's entries if the invoice is ours and really gone.

    The drafts service re-reads the invoice (the webhook is a hint). A draft a worker holds right
    now is retried with the delivery's backoff.
    """
    try:
        released = draft_release_on_remote_delete(business=business, invoice_id=object_id)
    except DraftBusy as error:
        raise registry.RetryLater(str(error)) from error
    return "released" if released is not None else "ignored"


registry.register("invoice", invoice_deleted, events=("invoice.delete",))


@business_hooks.on_connect
def start_initial_sync(business_pk: int) -> None:
    from invoicing.services.sync.runs import sync_run_request

    business = ConnectedBusiness.objects.get(pk=business_pk)
    sync_run_request(business=business, trigger="connect", full=True)
