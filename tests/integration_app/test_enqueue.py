"""The one way services enqueue work: a task name from one table, sent after commit."""

import pytest
from django.db import transaction

from integration_app import enqueue
from integration_app.celery import app


def test_every_task_a_service_may_enqueue_is_registered_with_the_worker():
    app.loader.import_default_modules()
    assert set(app.tasks) >= enqueue.TASK_NAMES


def test_an_unknown_task_name_is_refused_before_anything_is_sent():
    with pytest.raises(ValueError, match="not a task services may enqueue"):
        enqueue.enqueue_on_commit("sync.no_such_task", 1)


@pytest.mark.django_db(transaction=True)
def test_a_task_is_sent_only_once_the_transaction_commits(monkeypatch):
    sent = []
    monkeypatch.setattr(
        enqueue, "publish_now", lambda name, args, countdown=None: sent.append((name, args))
    )
    with transaction.atomic():
        enqueue.enqueue_on_commit(enqueue.SYNC_BUSINESS, 7)
        assert sent == []
    assert sent == [(enqueue.SYNC_BUSINESS, (7,))]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue.enqueue_on_commit(enqueue.ADVANCE_DRAFT, 8)
        raise RuntimeError("rolled back")
    assert sent == [(enqueue.SYNC_BUSINESS, (7,))]
