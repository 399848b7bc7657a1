from django.contrib import admin
from django.urls import include, path

from integration_app.health import healthz

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("connections/", include("connections.urls")),
    path("webhooks/", include("connections.webhook_urls")),
    path("businesses/", include("invoicing.urls")),
    path("businesses/<int:business_pk>/invoices/", include("invoicing.invoice_urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
