"""The project's URLs with the invoice pages mounted, whether or not the project mounts them yet."""

from django.urls import include, path

from integration_app.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    pattern for pattern in project_urlpatterns if getattr(pattern, "namespace", None) != "invoices"
] + [path("businesses/<int:business_pk>/invoices/", include("invoicing.invoice_urls"))]
