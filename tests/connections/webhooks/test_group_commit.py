"""Deliveries received at the same moment share one commit, and each is answered for its own row.

A test holds the delivery table locked so the first delivery's statement waits in PostgreSQL;
the deliveries that arrive meanwhile pile up in the web process's group commit, and are written
together, in one statement, once the lock is released.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import DatabaseError, connection

from connections.models import WebhookDelivery
from connections.webhooks.deliveries import IncomingDelivery, IngestResult
from connections.webhooks.group_commit import group_commit
from connections.webhooks.ingest import webhook_delivery_receive
from connections.webhooks.listener import connection_params
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import FORM, VERIFIER, event_fields
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db(transaction=True)
Status = WebhookDelivery.Status
TABLE = WebhookDelivery._meta.db_table
CLIENT_VERIFIER = "vrf-client-5e6f7a8b9c0d"


def incoming(fields: list[tuple[str, str]], verifier: str = VERIFIER) -> IncomingDelivery:
    return IncomingDelivery(
        body=urlencode(fields).encode(),
        content_type=FORM,
        headers={"Content-Type": FORM, "X-FreshBooks-Hmac-SHA256": sign(verifier, fields)},
        remote_ip="127.0.0.1",
    )


def committed(delivery_id: int | None) -> bool:
    """Whether another session sees the row: it has committed."""
    with psycopg.connect(**connection_params()) as other:
        query = f"SELECT count(*) FROM {TABLE} WHERE id = %s"  # noqa: S608 - the model's table
        return other.execute(query, [delivery_id]).fetchone()[0] == 1


class Request(threading.Thread):
    """One request thread of a web process: its own database connection, like gunicorn's."""

    def __init__(self, token: str, delivery: IncomingDelivery):
        super().__init__(daemon=True)
        self.token, self.delivery = token, delivery
        self.result: IngestResult | None = None
        self.error: BaseException | None = None
        self.committed_when_answered: bool | None = None

    def run(self) -> None:
        try:
            self.result = webhook_delivery_receive(token=self.token, incoming=self.delivery)
            self.committed_when_answered = committed(self.result.delivery_id)
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def answered(self) -> IngestResult | None:
        """The answer once the thread ended (joined with a bound, so a stuck one fails the test)."""
        self.join(timeout=60)
        assert not self.is_alive(), "a request thread is still waiting"
        return self.result


def eventually(condition, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


class HeldTable:
    """The delivery table locked against inserts (reads go on) until ``release``."""

    def __init__(self):
        self.session = psycopg.connect(**{**connection_params(), "autocommit": False})
        self.session.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        self.requests: list[Request] = []

    def writers_waiting(self) -> int:
        # Another session, in autocommit: pg_stat_activity is a snapshot per transaction.
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        with psycopg.connect(**connection_params()) as observer:
            return observer.execute(query).fetchone()[0]

    def release(self) -> None:
        if not self.session.closed:
            self.session.commit()
            self.session.close()

    def requests_sharing_a_commit(
        self, token: str, first: IncomingDelivery, together: list[IncomingDelivery]
    ) -> list[Request]:
        """``first`` is written alone while the table is held; ``together`` pile up behind it.
        Returns every request thread (first, then the others) once the others all wait for the
        commit: nobody has been answered yet."""
        leader = Request(token, first)
        self.requests.append(leader)
        leader.start()
        eventually(lambda: self.writers_waiting() == 1, "the first delivery's INSERT waits")
        others = [Request(token, delivery) for delivery in together]
        self.requests += others
        for request in others:
            request.start()
        eventually(lambda: group_commit().waiting() == len(others), "the others wait")
        return [leader, *others]


@pytest.fixture
def held(transactional_db):
    table = HeldTable()
    yield table
    table.release()  # also when the test failed, so its threads end and the teardown can flush
    for request in table.requests:
        request.join(timeout=60)


@pytest.fixture
def client_key(subscription):
    return WebhookSubscriptionFactory(
        business=subscription.business,
        event="client",
        callback_id=502,
        verified=True,
        verifier=CLIENT_VERIFIER,
    )


@pytest.fixture
def keys_read(business, subscription, handler):
    """This process already holds the business's keys (a first delivery was stored)."""
    token = business.webhook_token
    first = webhook_delivery_receive(
        token=token, incoming=incoming(event_fields(business, object_id=100))
    )
    assert first.status_code == 200
    return token


def test_concurrent_deliveries_share_one_commit_and_each_is_answered_once_its_row_committed(
    business, keys_read, held, wake_notifications
):
    before = dataclasses.replace(group_commit().written)
    deliveries = [incoming(event_fields(business, object_id=n)) for n in (1, 2, 3, 4)]

    requests = held.requests_sharing_a_commit(keys_read, deliveries[0], deliveries[1:])
    assert [request.result for request in requests] == [None] * 4
    assert not WebhookDelivery.objects.filter(object_id__in=[1, 2, 3, 4]).exists()
    held.release()
    answers = [request.answered() for request in requests]

    assert [(answer.status_code, answer.reason) for answer in answers] == [(200, "ok")] * 4
    assert [request.committed_when_answered for request in requests] == [True] * 4
    stored = dict(WebhookDelivery.objects.values_list("object_id", "pk"))
    assert [answer.delivery_id for answer in answers] == [stored[n] for n in (1, 2, 3, 4)]
    assert WebhookDelivery.objects.get(object_id=3).status == Status.PENDING
    written = group_commit().written
    assert (written.statements - before.statements, written.rows - before.rows) == (2, 4)
    assert written.largest >= 3
    woken = wake_notifications(expected=4)
    assert sorted(woken) == sorted(str(stored[n]) for n in (1, 2, 3, 4))


def test_a_row_whose_key_no_longer_holds_is_judged_afresh_and_the_others_are_stored(
    business, subscription, client_key, keys_read, held
):
    old_key = subscription.verifier
    subscription.verifier = "vrf-rotated-0f1e2d3c4b5a69788796"
    subscription.save()
    client_event = event_fields(business, name="client.update", object_id=1)

    requests = held.requests_sharing_a_commit(
        keys_read,
        incoming(event_fields(business, name="client.update", object_id=9), CLIENT_VERIFIER),
        [
            incoming(client_event, CLIENT_VERIFIER),
            incoming(event_fields(business, object_id=2), old_key),
        ],
    )
    held.release()
    leader, holds, rotated = (request.answered() for request in requests)

    assert (leader.status_code, holds.status_code) == (200, 200)
    assert (rotated.status_code, rotated.reason) == (401, "bad signature")
    assert WebhookDelivery.objects.get(object_id=1).subscription == client_key
    refused = WebhookDelivery.objects.get(object_id=2)
    assert (refused.status, refused.last_error) == (Status.REJECTED, "bad signature")
    assert refused.pk == rotated.delivery_id


@pytest.fixture
def failing_insert():
    """PostgreSQL refuses any delivery about object 666 (a fault in the database, not in Python)."""
    with psycopg.connect(**connection_params()) as session:
        session.execute(
            "CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.object_id = 666 THEN RAISE EXCEPTION 'refused by the test'; END IF; "
            "RETURN NEW; END $$"
        )
        session.execute(
            f"CREATE TRIGGER refuse_666 BEFORE INSERT ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_666()"
        )
        try:
            yield
        finally:
            session.execute(f"DROP TRIGGER refuse_666 ON {TABLE}")
            session.execute("DROP FUNCTION refuse_666()")


def test_a_failed_shared_statement_stores_each_row_alone_and_fails_only_its_request(
    business, keys_read, failing_insert, held
):
    before = dataclasses.replace(group_commit().written)

    requests = held.requests_sharing_a_commit(
        keys_read,
        incoming(event_fields(business, object_id=1)),
        [incoming(event_fields(business, object_id=n)) for n in (2, 666, 3)],
    )
    held.release()
    answers = [request.answered() for request in requests]

    assert [answer.status_code for answer in answers if answer] == [200, 200, 200]
    assert [request.committed_when_answered for request in requests] == [True, True, None, True]
    assert answers[2] is None
    assert isinstance(requests[2].error, DatabaseError)
    assert "refused by the test" in str(requests[2].error)
    assert sorted(WebhookDelivery.objects.values_list("object_id", flat=True)) == [1, 2, 3, 100]
    assert group_commit().written.failed - before.failed == 1


def test_when_every_row_fails_no_request_is_answered_200_and_none_waits_forever(
    business, keys_read, failing_insert, held
):
    requests = held.requests_sharing_a_commit(
        keys_read,
        incoming(event_fields(business, object_id=666)),
        [incoming(event_fields(business, object_id=666)) for _ in range(3)],
    )
    held.release()

    assert [request.answered() for request in requests] == [None] * 4
    assert all(isinstance(request.error, DatabaseError) for request in requests)
    assert group_commit().waiting() == 0
    assert not WebhookDelivery.objects.filter(object_id=666).exists()
