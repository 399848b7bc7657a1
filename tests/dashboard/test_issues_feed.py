"""The issues feed opens with the state that needs a fix and closes when the state is fixed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from connections.freshbooks.oauth import TokenSet
from connections.models import ConnectedBusiness, FreshBooksIdentity, WebhookSubscription
from connections.services.tokens import identity_tokens_store
from invoicing.models import DraftInvoice, InvoiceRun
from invoicing.selectors.issues import issues_for_business, issues_for_user
from tests.dashboard.rows import add_clients, add_entries, add_projects
from tests.factories import (
    ConnectedBusinessFactory,
    DraftInvoiceFactory,
    InvoiceRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def keys(issues) -> list[str]:
    return [issue.key for issue in issues]


@pytest.fixture
def business():
    return ConnectedBusinessFactory(name="Northwind", sync_state=ConnectedBusiness.SyncState.OK)


def test_a_healthy_business_has_no_issues(client, business):
    client.force_login(business.connection.user)

    html = client.get(reverse("dashboard")).content.decode()

    assert issues_for_user(business.connection.user) == []
    assert "No open issues" in html


def test_lost_access_opens_a_reconnect_issue_that_reconnecting_closes(client, business):
    identity = business.connection.identity
    FreshBooksIdentity.objects.filter(pk=identity.pk).update(
        state=FreshBooksIdentity.State.REAUTH_REQUIRED
    )
    client.force_login(business.connection.user)

    html = client.get(reverse("dashboard")).content.decode()
    assert keys(issues_for_user(business.connection.user)) == ["reconnect"]
    assert 'data-issue="reconnect"' in html
    assert f'action="{reverse("connections:connect")}"' in html

    identity.refresh_from_db()
    identity_tokens_store(  # what the OAuth callback does on reconnect
        identity=identity,
        token_set=TokenSet(
            access_token="a", refresh_token="r", expires_at=timezone.now(), scope=""
        ),
    )

    assert issues_for_user(business.connection.user) == []
    assert 'data-issue="reconnect"' not in client.get(reverse("dashboard")).content.decode()


def test_a_failed_sync_opens_an_issue_with_sync_now_until_a_sync_succeeds(client, business):
    ConnectedBusiness.objects.filter(pk=business.pk).update(
        sync_state=ConnectedBusiness.SyncState.ERROR, last_error="FreshBooks answered 500"
    )
    client.force_login(business.connection.user)

    page = client.get(reverse("invoicing:business", args=[business.pk])).content.decode()
    [issue] = issues_for_business(business)
    assert issue.key == "sync_failed"
    assert "FreshBooks answered 500" in issue.detail
    assert f'action="{reverse("invoicing:sync_now", args=[business.pk])}"' in page

    ConnectedBusiness.objects.filter(pk=business.pk).update(
        sync_state=ConnectedBusiness.SyncState.OK, last_error=""
    )
    assert issues_for_business(business) == []


def test_unconfirmed_webhooks_open_an_issue_after_a_grace_period(client, business):
    subscription = WebhookSubscription.objects.create(
        business=business, event="time_entry", uri="https://example.com/x"
    )
    assert issues_for_business(business) == []  # just registered: FreshBooks is verifying

    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    [issue] = issues_for_business(business)
    assert issue.key == "webhooks"
    assert issue.fix.url == reverse("connections:webhooks_retry", args=[business.pk])

    WebhookSubscription.objects.filter(pk=subscription.pk).update(verified=True)
    assert issues_for_business(business) == []


def test_the_webhook_fix_is_refused_for_another_users_business(client, business):
    client.force_login(UserFactory())

    response = client.post(reverse("connections:webhooks_retry", args=[business.pk]))

    assert response.status_code == 404
    assert not WebhookSubscription.objects.filter(business=business).exists()


def test_drafts_needing_attention_open_an_issue_until_retried(business):
    draft = DraftInvoiceFactory(
        run=InvoiceRunFactory(business=business), state=DraftInvoice.State.NEEDS_ATTENTION
    )

    [issue] = issues_for_business(business)
    assert issue.key == "drafts_failed"
    assert issue.title == "1 draft needs attention"
    assert issue.fix.url == reverse("invoices:run", args=[business.pk, draft.run_id])

    DraftInvoice.objects.filter(pk=draft.pk).update(state=DraftInvoice.State.DONE)
    assert issues_for_business(business) == []


def scheduled_preview(business, *, drafts: list[dict]) -> InvoiceRun:
    return InvoiceRunFactory(
        business=business,
        trigger=InvoiceRun.Trigger.SCHEDULE,
        status=InvoiceRun.Status.PREVIEWED,
        preview={
            "drafts": drafts,
            "drafts_to_create": sum(1 for d in drafts if not d["blocked_reason"]),
        },
    )


def test_a_scheduled_preview_waits_for_approval_and_names_its_held_back_clients(business):
    run = scheduled_preview(
        business,
        drafts=[
            {"client_name": "Acme", "blocked_reason": ""},
            {"client_name": "Globex", "blocked_reason": "No rate for Website"},
        ],
    )

    issues = issues_for_business(business)
    assert keys(issues) == ["approval", "held_back"]
    assert issues[0].title == "1 scheduled draft waiting for approval"
    assert issues[1].title == "1 client held back in the last scheduled run"

    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.COMPLETED)
    assert keys(issues_for_business(business)) == ["held_back"]

    InvoiceRunFactory(business=business)  # a new preview after fixing the rate
    assert issues_for_business(business) == []


def test_the_dashboard_feed_lists_every_business_of_the_user_and_no_one_elses(client, business):
    other = ConnectedBusinessFactory(sync_state=ConnectedBusiness.SyncState.ERROR)
    mine = ConnectedBusinessFactory(
        connection=business.connection, sync_state=ConnectedBusiness.SyncState.ERROR
    )
    client.force_login(business.connection.user)

    html = client.get(reverse("dashboard")).content.decode()

    assert f'data-issue="sync_failed" data-business="{mine.pk}"' in html
    assert f'data-business="{other.pk}"' not in html
    assert "1 open issue" in html


def test_the_dashboard_shows_unbilled_time_and_what_to_do_next(client, business):
    clients = add_clients(business, 1)
    add_projects(business, clients, rate=Decimal("1234.50"))
    add_entries(business, 3, clients=clients)
    client.force_login(business.connection.user)

    html = client.get(reverse("dashboard")).content.decode()

    assert "$3,703.50" in html
    assert "Northwind has 3.00 hours unbilled worth $3,703.50" in html
    assert reverse("invoices:new", args=[business.pk]) in html
