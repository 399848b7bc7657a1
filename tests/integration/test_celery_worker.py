"""A real worker process on the real Redis broker runs what is committed, and only that."""

import uuid

import pytest
from django.db import transaction

from integration_app.redis import get_redis
from integration_app.tasks import record_worker_heartbeat
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Rollback(Exception):
    pass


def test_worker_runs_a_task_and_returns_its_result(celery_worker_process):
    marker = uuid.uuid4().hex

    result = record_worker_heartbeat.delay(marker)

    assert result.get(timeout=60) == marker
    assert get_redis().exists(f"heartbeat:{marker}")


def test_task_enqueued_on_commit_runs_only_when_the_transaction_commits(celery_worker_process):
    rolled_back_marker = f"rolled-back-{uuid.uuid4().hex}"
    committed_marker = f"committed-{uuid.uuid4().hex}"

    with pytest.raises(Rollback), transaction.atomic():
        record_worker_heartbeat.delay_on_commit(rolled_back_marker)
        raise Rollback
    with transaction.atomic():
        record_worker_heartbeat.delay_on_commit(committed_marker)
        assert not get_redis().exists(f"heartbeat:{committed_marker}")

    wait_until(
        lambda: get_redis().exists(f"heartbeat:{committed_marker}"),
        timeout=60,
        message="the committed task to run",
    )
    # One worker consumes the queue in order: had the rolled-back task been sent, it ran first.
    assert not get_redis().exists(f"heartbeat:{rolled_back_marker}")
