from django.urls import path

from connections.webhooks.views import freshbooks_webhook

app_name = "webhooks"

urlpatterns = [
    path("freshbooks/<str:token>/", freshbooks_webhook, name="freshbooks"),
]
