from django.urls import path

from connections.webhook_views import freshbooks_webhook

app_name = "webhooks"

urlpatterns = [
    path("freshbooks/<str:token>/", freshbooks_webhook, name="freshbooks"),
]
