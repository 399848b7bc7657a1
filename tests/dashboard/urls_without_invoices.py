"""The project's URLs without the invoice pages: a deployment where they are not mounted."""

from integration_app.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    pattern for pattern in project_urlpatterns if getattr(pattern, "namespace", None) != "invoices"
]
