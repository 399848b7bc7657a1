"""Mounted by the project at `businesses/<int:business_pk>/invoices/` (namespace `invoices`)."""

from django.urls import path

from invoicing import invoice_views as views

app_name = "invoices"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("new/", views.run_new, name="new"),
    path("runs/<int:run_pk>/", views.run_detail, name="run"),
    path("runs/<int:run_pk>/create/", views.run_create, name="run_create"),
    path("runs/<int:run_pk>/progress.json", views.run_progress_json, name="run_progress"),
    path("drafts/<int:draft_pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:draft_pk>/void/", views.draft_void_view, name="draft_void"),
    path("drafts/<int:draft_pk>/rebill/", views.draft_rebill_view, name="draft_rebill"),
    path("drafts/<int:draft_pk>/retry/", views.draft_retry_view, name="draft_retry"),
    path("schedule/", views.schedule, name="schedule"),
    path("settings/", views.policy, name="policy"),
]
