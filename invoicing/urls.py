"""A business's pages (namespace `invoicing`) and its invoice pages (namespace `invoices`).

The project mounts `urlpatterns` at `businesses/` and `invoice_urlpatterns` at
`businesses/<int:business_pk>/invoices/`.
"""

from django.urls import path

from invoicing.views import (
    businesses,
    defaults,
    drafts,
    hours,
    imports,
    previews,
    rates,
    runs,
    taxes,
)

app_name = "invoicing"

urlpatterns = [
    path("welcome/", rates.onboarding, name="onboarding"),
    path("<int:business_pk>/", businesses.business_detail, name="business"),
    path("<int:business_pk>/sync/", businesses.sync_now, name="sync_now"),
    path("<int:business_pk>/hours/new/", hours.hours_new, name="hours_new"),
    path("<int:business_pk>/hours/import/", imports.import_new, name="hours_import_new"),
    path(
        "<int:business_pk>/hours/import/template.csv",
        imports.import_template,
        name="hours_import_template",
    ),
    path(
        "<int:business_pk>/hours/import/<int:import_pk>/",
        imports.import_detail,
        name="hours_import",
    ),
    path(
        "<int:business_pk>/hours/import/<int:import_pk>/map/",
        imports.import_map,
        name="hours_import_map",
    ),
    path(
        "<int:business_pk>/hours/import/<int:import_pk>/confirm/",
        imports.import_confirm,
        name="hours_import_confirm",
    ),
    path(
        "<int:business_pk>/hours/import/<int:import_pk>/discard/",
        imports.import_discard,
        name="hours_import_discard",
    ),
    path("<int:business_pk>/rates/", rates.rates_page, name="rates"),
    path("<int:business_pk>/rates/standard/", rates.standard_rate, name="standard_rate"),
    path("<int:business_pk>/rates/welcome/", rates.onboarding_rate, name="onboarding_rate"),
    path("<int:business_pk>/rates/rules/new/", rates.rate_rule_new, name="rate_rule_new"),
    path(
        "<int:business_pk>/rates/rules/<int:rule_pk>/", rates.rate_rule_edit, name="rate_rule_edit"
    ),
    path(
        "<int:business_pk>/rates/rules/<int:rule_pk>/delete/",
        rates.rate_rule_delete_view,
        name="rate_rule_delete",
    ),
    path("<int:business_pk>/rates/taxes/", taxes.tax_default_set, name="tax_default_set"),
    path(
        "<int:business_pk>/rates/taxes/<int:default_pk>/remove/",
        taxes.tax_default_remove,
        name="tax_default_remove",
    ),
]

invoice_urlpatterns = [
    path("", runs.runs, name="runs"),
    path("new/", runs.run_new, name="new"),
    path("runs/<int:run_pk>/", runs.run_detail, name="run"),
    path("runs/<int:run_pk>/create/", runs.run_create, name="run_create"),
    path("runs/<int:run_pk>/progress.json", runs.run_progress_json, name="run_progress"),
    path("runs/<int:run_pk>/select/", previews.run_select, name="run_select"),
    path("runs/<int:run_pk>/changes/", previews.run_changes, name="run_changes"),
    path("runs/<int:run_pk>/confirm/", previews.run_confirm, name="run_confirm"),
    path("runs/<int:run_pk>/discard/", previews.run_discard, name="run_discard"),
    path("drafts/<int:draft_pk>/", drafts.draft_detail, name="draft"),
    path("drafts/<int:draft_pk>/void/", drafts.draft_void_view, name="draft_void"),
    path("drafts/<int:draft_pk>/rebill/", drafts.draft_rebill_view, name="draft_rebill"),
    path(
        "drafts/<int:draft_pk>/rebill/<int:run_pk>/confirm/",
        drafts.draft_rebill_confirm_view,
        name="draft_rebill_confirm",
    ),
    path("drafts/<int:draft_pk>/retry/", drafts.draft_retry_view, name="draft_retry"),
    path("schedule/", defaults.schedule, name="schedule"),
    path("settings/", defaults.policy, name="policy"),
]
