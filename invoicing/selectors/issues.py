"""Open problems of a user's businesses (or every tenant's, for operators), each with its fix.

Derived from state on every read, not stored: an issue closes the moment the state that opened it
changes (a reconnect, a successful sync, a retried draft), whichever process changed it, and no
fixing service has to remember to close anything. The cost is a fixed number of queries per feed,
whatever the number of businesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from connections.models import (
    ACTIVE_BUSINESSES,
    ConnectedBusiness,
    FreshBooksIdentity,
    WebhookSubscription,
)
from invoicing.models import DraftInvoice, InvoiceRun

# A fresh subscription gets this long to be verified before it counts as a problem.
WEBHOOK_GRACE = timedelta(minutes=15)
ATTENTION_STATES = (DraftInvoice.State.FAILED, DraftInvoice.State.NEEDS_ATTENTION)

RECONNECT, SYNC_FAILED, WEBHOOKS, DRAFTS_FAILED, APPROVAL, HELD_BACK = (
    "reconnect",
    "sync_failed",
    "webhooks",
    "drafts_failed",
    "approval",
    "held_back",
)
# Most urgent first: nothing else works until FreshBooks is reconnected.
ORDER = [RECONNECT, SYNC_FAILED, DRAFTS_FAILED, APPROVAL, HELD_BACK, WEBHOOKS]


@dataclass(frozen=True)
class Fix:
    label: str
    url: str
    # "post": a button in a form with the CSRF token (the fix changes something).
    method: str = "get"


@dataclass(frozen=True)
class Issue:
    key: str
    business_pk: int
    business_name: str
    owner_email: str
    title: str
    detail: str
    fix: Fix
    tone: str = "error"


def held_back_count(preview: dict) -> int:
    """Clients of a preview whose draft is held back (a missing rate, a blocked client)."""
    return sum(1 for draft in preview.get("drafts", []) if draft.get("blocked_reason"))


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("business").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _annotated(businesses: QuerySet[ConnectedBusiness], now: datetime) -> QuerySet:
    scheduled = InvoiceRun.objects.filter(
        business=OuterRef("pk"), trigger=InvoiceRun.Trigger.SCHEDULE
    ).order_by("-created_at", "-pk")
    latest = InvoiceRun.objects.filter(business=OuterRef("pk")).order_by("-created_at", "-pk")
    attention = DraftInvoice.objects.filter(business=OuterRef("pk"), state__in=ATTENTION_STATES)
    return businesses.select_related("connection__identity", "connection__user").annotate(
        unverified_webhooks=_count(
            WebhookSubscription.objects.filter(
                business=OuterRef("pk"), verified=False, created_at__lt=now - WEBHOOK_GRACE
            )
        ),
        attention_drafts=_count(attention),
        attention_run_id=Subquery(attention.order_by("-updated_at").values("run_id")[:1]),
        last_scheduled_run_id=Subquery(scheduled.values("pk")[:1]),
        latest_run_id=Subquery(latest.values("pk")[:1]),
    )


def issues_for_user(user) -> list[Issue]:
    return _issues(ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, connection__user=user))


def issues_for_business(business: ConnectedBusiness) -> list[Issue]:
    """The business page's feed (the business is already the user's own)."""
    return _issues(ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES, pk=business.pk))


def issues_for_operators() -> list[Issue]:
    """Every tenant's open issues (admin only: the caller checks staff)."""
    return _issues(ConnectedBusiness.objects.filter(ACTIVE_BUSINESSES))


def _issues(businesses: QuerySet[ConnectedBusiness]) -> list[Issue]:
    rows = list(_annotated(businesses, timezone.now()).order_by("name", "pk"))
    run_ids = {row.last_scheduled_run_id for row in rows if row.last_scheduled_run_id}
    runs = {
        run.pk: run
        for run in InvoiceRun.objects.filter(pk__in=run_ids).only(
            # The page document has the counts; a 100,000-entry preview is megabytes.
            "pk",
            "status",
            "preview_page",
            "period_start",
            "period_end",
        )
    }
    issues = []
    for row in rows:
        issues.extend(_business_issues(row, runs.get(row.last_scheduled_run_id)))
    return sorted(issues, key=lambda issue: ORDER.index(issue.key))


def _business_issues(business, scheduled: InvoiceRun | None) -> list[Issue]:
    identity = business.connection.identity

    def issue(key: str, title: str, detail: str, fix: Fix, tone: str = "error") -> Issue:
        return Issue(
            key=key,
            business_pk=business.pk,
            business_name=business.name,
            owner_email=business.connection.user.email,
            title=title,
            detail=detail,
            fix=fix,
            tone=tone,
        )

    if (
        identity.state == FreshBooksIdentity.State.REAUTH_REQUIRED
        or business.sync_state == ConnectedBusiness.SyncState.REAUTH_REQUIRED
    ):
        # Nothing else can be fixed until FreshBooks answers again.
        return [
            issue(
                RECONNECT,
                "FreshBooks access was lost",
                f"FreshBooks no longer accepts this app's access for {identity.display_name}; "
                "syncing and invoicing are paused. Nothing already synced is lost.",
                Fix("Reconnect FreshBooks", reverse("connections:connect"), "post"),
            )
        ]
    if identity.state != FreshBooksIdentity.State.ACTIVE:
        return []
    found = []
    if business.sync_state == ConnectedBusiness.SyncState.ERROR:
        found.append(
            issue(
                SYNC_FAILED,
                "The last sync failed",
                business.last_error[:300] or "FreshBooks refused the sync.",
                Fix("Sync now", reverse("invoicing:sync_now", args=[business.pk]), "post"),
            )
        )
    if business.attention_drafts:
        count = business.attention_drafts
        found.append(
            issue(
                DRAFTS_FAILED,
                ngettext("%d draft needs attention", "%d drafts need attention", count) % count,
                "FreshBooks did not take "
                + ("this draft" if count == 1 else "these drafts")
                + ": the run page says why and lets you retry or void.",
                Fix(
                    "Open the run",
                    reverse("invoices:run", args=[business.pk, business.attention_run_id]),
                ),
            )
        )
    if scheduled is not None:
        found.extend(_scheduled_issues(business, scheduled, issue))
    if business.unverified_webhooks:
        found.append(
            issue(
                WEBHOOKS,
                "FreshBooks has not confirmed the webhooks",
                "Changes in FreshBooks reach this app only with the next scheduled sync, not "
                "within seconds.",
                Fix(
                    "Register webhooks again",
                    reverse("connections:webhooks_retry", args=[business.pk]),
                    "post",
                ),
                tone="warn",
            )
        )
    return found


def _scheduled_issues(business, run: InvoiceRun, issue) -> list[Issue]:
    link = reverse("invoices:run", args=[business.pk, run.pk])
    found = []
    # Runs made before `preview_page` existed read their whole preview.
    preview = run.preview_page or run.preview
    if run.status == InvoiceRun.Status.PREVIEWED:
        count = preview.get("drafts_to_create", 0)
        if count:
            found.append(
                issue(
                    APPROVAL,
                    ngettext(
                        "%d scheduled draft waiting for approval",
                        "%d scheduled drafts waiting for approval",
                        count,
                    )
                    % count,
                    f"The scheduled run for {run.period_label} is ready; nothing is in "
                    "FreshBooks until you approve it.",
                    Fix("Review and approve", link),
                    tone="warn",
                )
            )
    held_back = held_back_count(preview)
    # Open until the time is billed another way: a newer run of the business, or a discard.
    if held_back and run.status != InvoiceRun.Status.DISCARDED and business.latest_run_id == run.pk:
        found.append(
            issue(
                HELD_BACK,
                ngettext(
                    "%d client held back in the last scheduled run",
                    "%d clients held back in the last scheduled run",
                    held_back,
                )
                % held_back,
                "Their time was not billed (a missing rate or an archived client); the run page "
                "links to each fix. After fixing, make a new preview.",
                Fix("See who and why", link),
                tone="warn",
            )
        )
    return found


__all__ = ["Fix", "Issue", "issues_for_business", "issues_for_operators", "issues_for_user"]
