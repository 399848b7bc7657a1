from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from integration_app.health import healthz
from invoicing.admin.issues import issues_admin_view
from invoicing.api.docs import api_docs
from invoicing.api.endpoints import api
from invoicing.urls import invoice_urlpatterns

# Admin's own login form has none of allauth's rate limits; everyone signs in through allauth's.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented way to guard admin's login

urlpatterns = [
    # First: FreshBooks' deliveries are the busiest path, and resolving through every pattern
    # ahead of it cost each one more than its signature check.
    path("webhooks/", include("connections.webhooks.urls")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/notifications/", include("notifications.urls")),
    path("connections/", include("connections.urls")),
    path("businesses/", include("invoicing.urls")),
    path("businesses/<int:business_pk>/invoices/", include((invoice_urlpatterns, "invoices"))),
    path("admin/issues/", issues_admin_view, name="admin_issues"),
    path("api/v1/docs/", api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
