from django.urls import path

from connections import views

app_name = "connections"

urlpatterns = [
    path("connect/", views.connect, name="connect"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("<int:connection_id>/businesses/", views.businesses, name="businesses"),
    path(
        "<int:connection_id>/businesses/reload/",
        views.reload_businesses,
        name="reload_businesses",
    ),
    path(
        "businesses/<int:business_id>/webhooks/retry/",
        views.webhooks_retry,
        name="webhooks_retry",
    ),
    path("<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
]
