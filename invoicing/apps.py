from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Billable time and invoices"

    def ready(self):
        from invoicing import signals_wiring  # noqa: F401 - registers the business hooks
