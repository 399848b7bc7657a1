"""What each event emails: who gets it, the link that fixes it, and never a secret."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import responses
from django.db import connections
from django.utils import timezone

from connections.services.tokens import ReauthorizationRequired, identity_access_token
from invoicing.drafts.progress import invoice_run_refresh
from invoicing.drafts.schedules import schedules_fire_due
from invoicing.models import DraftInvoice, InvoiceRun, InvoiceSchedule
from invoicing.notices import run_ready_notify
from invoicing.sync.runs import sync_run_give_up
from notifications.models import Notification
from notifications.tasks import send_notification
from tests.factories import (
    ConnectedBusinessFactory,
    ConnectionFactory,
    IdentityFactory,
    InvoiceRunFactory,
    InvoiceScheduleFactory,
    SyncRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def send_all_pending():
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        send_notification(pk)


def links(body: str) -> list[str]:
    return [urlsplit(word).path for word in body.split() if word.startswith("http")]


def secrets_of(business) -> list[str]:
    identity = business.connection.identity
    return [identity.access_token, identity.refresh_token, business.webhook_token]


@pytest.fixture
def refused_refresh(settings):
    with responses.RequestsMock() as mock:
        mock.post(
            f"{settings.FRESHBOOKS_API_BASE_URL}/auth/oauth/token",
            status=400,
            json={"error": "invalid_grant", "error_description": "The grant is invalid."},
        )
        yield mock


def expiring_identity():
    return IdentityFactory(
        first_name="Fran",
        last_name="Books",
        access_token_expires_at=timezone.now() + timedelta(minutes=1),
    )


def test_a_lost_connection_emails_each_of_its_users_with_the_reconnect_link(
    refused_refresh, mailoutbox, client
):
    identity = expiring_identity()
    first = ConnectionFactory(identity=identity, user=UserFactory(email="a@example.com"))
    ConnectionFactory(identity=identity, user=UserFactory(email="b@example.com"))
    business = ConnectedBusinessFactory(connection=first, name="Northwind")

    with pytest.raises(ReauthorizationRequired):
        identity_access_token(identity_id=identity.pk)
    send_all_pending()

    assert sorted(email.to[0] for email in mailoutbox) == ["a@example.com", "b@example.com"]
    email = next(email for email in mailoutbox if email.to == ["a@example.com"])
    assert "Reconnect FreshBooks for Fran Books" in email.subject
    assert "Northwind" in email.body
    assert "/dashboard/" in links(email.body)
    for secret in secrets_of(business):
        assert secret not in email.body and secret not in email.subject
    client.force_login(first.user)
    assert 'data-issue="reconnect"' in client.get("/dashboard/").content.decode()


def test_a_connection_lost_twice_in_a_day_is_emailed_once(refused_refresh, mailoutbox):
    identity = expiring_identity()
    ConnectionFactory(identity=identity)

    for _ in range(2):
        with pytest.raises(ReauthorizationRequired):
            identity_access_token(identity_id=identity.pk)
        # Reconnected with a new pair, then lost again the same day.
        identity.refresh_from_db()
        identity.state = "active"
        identity.refresh_token = identity.refresh_token + "-new"
        identity.save()
    send_all_pending()

    assert len(mailoutbox) == 1


def monthly_schedule(business, **fields) -> InvoiceSchedule:
    schedule = InvoiceScheduleFactory(
        business=business, frequency="monthly", day_of_month=1, period="last_month", **fields
    )
    InvoiceSchedule.objects.filter(pk=schedule.pk).update(
        created_at=datetime(2024, 4, 1, tzinfo=UTC)
    )
    return schedule


def test_a_scheduled_preview_emails_its_approve_link_which_only_its_owner_can_open(
    one_entry_business, mailoutbox, client
):
    monthly_schedule(one_entry_business)

    schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
    schedules_fire_due(now=datetime(2024, 5, 2, 1, tzinfo=UTC))  # the next beat: same period
    send_all_pending()

    [email] = mailoutbox
    run = InvoiceRun.objects.get()
    assert email.to == [one_entry_business.connection.user.email]
    assert "waiting for your approval" in email.body
    assert "1 draft invoice totalling $100.00" in email.body
    approve = f"/businesses/{one_entry_business.pk}/invoices/runs/{run.pk}/"
    assert approve in links(email.body)
    for secret in secrets_of(one_entry_business):
        assert secret not in email.body

    client.force_login(one_entry_business.connection.user)
    assert client.get(approve).status_code == 200
    client.force_login(UserFactory())
    assert client.get(approve).status_code == 404


def test_an_approve_link_used_by_another_user_or_twice_changes_nothing_more(
    one_entry_business, client, django_capture_on_commit_callbacks
):
    monthly_schedule(one_entry_business)
    schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
    run = InvoiceRun.objects.get()
    create = f"/businesses/{one_entry_business.pk}/invoices/runs/{run.pk}/create/"

    client.force_login(UserFactory())
    assert client.post(create).status_code == 404
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED

    client.force_login(one_entry_business.connection.user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(create)
        again = client.post(create, follow=True)

    assert "already approved; nothing more was created" in again.content.decode()
    assert DraftInvoice.objects.filter(run=run).count() == 1


def test_a_scheduled_run_that_created_drafts_says_so_when_they_are_done(
    one_entry_business, mailoutbox, django_capture_on_commit_callbacks
):
    monthly_schedule(one_entry_business, action="create")
    with django_capture_on_commit_callbacks(execute=False):
        schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
    run = InvoiceRun.objects.get()
    assert Notification.objects.count() == 0  # still creating: no news yet

    DraftInvoice.objects.filter(run=run).update(state=DraftInvoice.State.DONE)
    invoice_run_refresh(run_id=run.pk)
    invoice_run_refresh(run_id=run.pk)
    send_all_pending()

    [email] = mailoutbox
    assert "created 1 draft invoice in FreshBooks" in email.body


def test_drafts_that_failed_for_good_email_the_reason_and_what_to_do(
    one_entry_business, mailoutbox, django_capture_on_commit_callbacks
):
    monthly_schedule(one_entry_business, action="create")
    with django_capture_on_commit_callbacks(execute=False):
        schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
    run = InvoiceRun.objects.get()

    DraftInvoice.objects.filter(run=run).update(state=DraftInvoice.State.NEEDS_ATTENTION)
    invoice_run_refresh(run_id=run.pk)
    send_all_pending()

    [email] = mailoutbox
    assert "Invoice run failed" in email.subject
    assert "1 draft could not be created in FreshBooks" in email.body
    assert "retry" in email.body


def test_a_sync_that_gave_up_emails_its_reason_once(mailoutbox, client):
    business = ConnectedBusinessFactory(name="Northwind")
    run = SyncRunFactory(business=business, status="running", attempts=5)

    sync_run_give_up(run_id=run.pk, reason="FreshBooks answered 503 five times")
    sync_run_give_up(run_id=run.pk, reason="FreshBooks answered 503 five times")
    send_all_pending()

    [email] = mailoutbox
    assert "Sync failed: Northwind" in email.subject
    assert "FreshBooks answered 503 five times" in email.body
    assert "Sync now" in email.body
    [link] = links(email.body)[:1]
    client.force_login(business.connection.user)
    page = client.get(link)
    assert page.status_code == 200
    assert 'data-issue="sync_failed"' in page.content.decode()
    client.force_login(UserFactory())
    assert client.get(link).status_code == 404


def test_a_scheduled_run_that_held_back_every_client_says_so(mailoutbox):
    run = InvoiceRunFactory(
        trigger=InvoiceRun.Trigger.SCHEDULE,
        status=InvoiceRun.Status.PREVIEWED,
        preview={
            "drafts": [{"client_name": "Globex", "blocked_reason": "No rate"}],
            "drafts_to_create": 0,
        },
    )

    run_ready_notify(run=run)
    send_all_pending()

    [email] = mailoutbox
    assert "Clients held back" in email.subject
    assert "held back every client, so no draft was prepared" in email.body


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_firing_a_schedule_together_send_one_email(
    one_entry_business, mailoutbox
):
    monthly_schedule(one_entry_business)
    barrier = threading.Barrier(2)

    def beat():
        barrier.wait()
        try:
            schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    send_all_pending()
    send_all_pending()  # a retried task

    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1
