from django.urls import path

from accounts import views
from connections.views import dashboard

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
]
