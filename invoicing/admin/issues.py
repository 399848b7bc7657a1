"""The operators' issues view: every tenant's open issues (the users' feed), staff only.

Wrapped in `admin.site.admin_view`, so a signed-out or non-staff visitor is sent to the admin
sign-in and sees nothing. Read-only: fixing is the tenant's (reconnecting needs their FreshBooks
login); operators see who is stuck and where.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from invoicing.selectors.issues import ORDER, issues_for_operators

KIND_LABELS = {
    "reconnect": "Reconnect needed",
    "sync_failed": "Last sync failed",
    "drafts_failed": "Drafts need attention",
    "approval": "Waiting for approval",
    "held_back": "Clients held back",
    "webhooks": "Webhooks not confirmed",
}


def issues_view(request: HttpRequest) -> TemplateResponse:
    issues = issues_for_operators()
    kind = request.GET.get("kind", "")
    shown = [issue for issue in issues if issue.key == kind] if kind in ORDER else issues
    counts = {key: sum(1 for issue in issues if issue.key == key) for key in ORDER}
    return TemplateResponse(
        request,
        "admin/invoicing/issues.html",
        {
            **admin.site.each_context(request),
            "title": "Open issues across all tenants",
            "issues": shown,
            "kind": kind if kind in ORDER else "",
            "kinds": [(key, KIND_LABELS[key], counts[key]) for key in ORDER],
            "total": len(issues),
        },
    )


issues_admin_view = admin.site.admin_view(issues_view)
