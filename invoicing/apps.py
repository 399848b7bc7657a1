from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Billable time and invoices"

    def ready(self) -> None:
        """Plug invoicing into connections without connections ever importing invoicing.

        A new connection starts a full sync; webhook events about the objects invoicing mirrors
        are handled by re-fetching the object, and ``invoice.delete`` of one of our drafts
        releases its time entries (other invoice events are stored as ignored, never re-fetched).
        """
        from connections import panels
        from connections.services import business_hooks
        from connections.webhooks import registry
        from invoicing.drafts.void import invoice_deleted_handle
        from invoicing.selectors.dashboard import dashboard_panel
        from invoicing.sync.objects import NOUNS, object_refresh
        from invoicing.sync.runs import sync_start_after_reconnect, sync_start_for_new_business

        for noun in sorted(NOUNS):
            registry.register(noun, object_refresh)
        registry.register("invoice", invoice_deleted_handle, events=("invoice.delete",))
        business_hooks.on_connect(sync_start_for_new_business)
        business_hooks.on_reconnect(sync_start_after_reconnect)
        panels.register(dashboard_panel)
