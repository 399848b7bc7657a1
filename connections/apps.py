from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "FreshBooks connections"

    def ready(self) -> None:
        """Webhook subscriptions follow a business's life cycle in every process."""
        from connections.services import business_hooks
        from connections.webhooks import lifecycle

        business_hooks.on_connect(lifecycle.subscribe_connected_business)
        business_hooks.on_callbacks_removed(lifecycle.forget_removed_callbacks)
