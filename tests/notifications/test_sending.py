"""Each notification is sent once for its event, only when wanted, and never carries a secret."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from django.db import connections

from notifications.models import Kind, Notification, NotificationSettings
from notifications.services import notification_queue, notifications_sweep
from notifications.tasks import send_notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue(users, event_key="identity:1:2026-12-03", kind=Kind.REAUTH_NEEDED):
    return notification_queue(
        user_ids=[user.pk for user in users],
        kind=kind,
        event_key=event_key,
        subject="Reconnect FreshBooks for Fran Books",
        context={
            "identity_name": "Fran Books",
            "businesses": ["Northwind"],
            "link": "http://testserver/dashboard/#issues",
            "settings_link": "http://testserver/account/notifications/",
        },
    )


def send_all_pending():
    for notification_id in Notification.objects.filter(status="pending").values_list(
        "pk", flat=True
    ):
        send_notification(notification_id)


def test_a_queued_notification_is_sent_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="owner@example.com")

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        assert queue([user]) == 1
    assert mailoutbox == []  # nothing leaves before the transaction commits
    assert len(enqueued) == 1

    send_all_pending()

    [email] = mailoutbox
    assert email.to == ["owner@example.com"]
    assert "Reconnect FreshBooks" in email.subject
    assert "http://testserver/dashboard/#issues" in email.body
    assert Notification.objects.get().status == "sent"


def test_the_same_event_noticed_twice_is_one_row_and_one_email(mailoutbox):
    user = UserFactory()

    assert queue([user]) == 1
    assert queue([user]) == 0  # a second beat process, or a retried task, noticing it again

    send_all_pending()
    send_all_pending()
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_retried_send_task_sends_nothing_the_second_time(mailoutbox):
    queue([UserFactory()])
    notification = Notification.objects.get()

    assert send_notification(notification.pk) == "sent"
    assert send_notification(notification.pk) == "sent"

    assert len(mailoutbox) == 1


def test_the_sweeper_resends_only_what_is_still_pending(
    mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    queue([UserFactory()], event_key="a")
    queue([UserFactory()], event_key="b")
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    send_notification(Notification.objects.get(event_key="a").pk)

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        assert notifications_sweep() == 1
    assert len(enqueued) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_notification_at_once_send_one_email(mailoutbox):
    queue([UserFactory()])
    notification_id = Notification.objects.get().pk
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker():
        barrier.wait()
        try:
            results.append(send_notification(notification_id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == ["sent", "sent"]
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_noticing_the_same_event_at_once_queue_it_once(mailoutbox):
    user = UserFactory()
    barrier = threading.Barrier(3)

    def beat():
        barrier.wait()
        try:
            queue([user])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    send_all_pending()

    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("kind", list(Kind))
def test_a_kind_turned_off_is_not_sent(mailoutbox, kind):
    user = UserFactory()
    NotificationSettings.objects.create(user=user, **{kind.value: False})

    queue([user], kind=kind)
    send_all_pending()

    assert mailoutbox == []
    assert Notification.objects.get().status == "skipped"


def test_turning_one_kind_off_keeps_the_others(mailoutbox):
    user = UserFactory()
    NotificationSettings.objects.create(user=user, drafts_ready=False)

    queue([user])
    send_all_pending()

    assert len(mailoutbox) == 1


def link_path(body: str) -> str:
    """The first link of an email, as a path the test client can open."""
    url = next(word for word in body.split() if word.startswith("http"))
    return urlsplit(url).path
