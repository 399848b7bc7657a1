from django.urls import path

from accounts import views
from connections.views import dashboard

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_pk>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
]
