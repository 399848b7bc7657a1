from django.urls import path

from invoicing import views

app_name = "invoicing"

urlpatterns = [
    path("<int:business_pk>/", views.business_detail, name="business"),
    path("<int:business_pk>/sync/", views.sync_now, name="sync_now"),
]
