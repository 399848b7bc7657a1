from __future__ import annotations

import psycopg
import pytest

from connections.webhooks import registry
from connections.webhooks.listener import connection_params
from connections.webhooks.signing_keys import signing_keys_forget_all
from connections.webhooks.wakeup import wake_channel
from integration_app import enqueue
from tests.connections.webhooks.helpers import VERIFIER
from tests.connections.webhooks.live import live_webhooks, webhook_worker  # noqa: F401 - fixtures
from tests.factories import ConnectedBusinessFactory, WebhookSubscriptionFactory


@pytest.fixture
def business(db):
    return ConnectedBusinessFactory(account_id="ACC1", business_id=777)


@pytest.fixture
def subscription(business):
    return WebhookSubscriptionFactory(
        business=business,
        event="time_entry",
        uri=f"https://app.example.com/webhooks/freshbooks/{business.webhook_token}/",
        callback_id=501,
        verified=True,
        verifier=VERIFIER,
    )


class RecordingHandler:
    """A registered handler that records its calls and does what the test tells it to."""

    def __init__(self):
        self.calls: list[tuple[int, str, int]] = []
        self.outcome = "updated"
        self.error: Exception | None = None

    def __call__(self, *, business, noun: str, object_id: int) -> str:
        self.calls.append((business.pk, noun, object_id))
        if self.error is not None:
            raise self.error
        return self.outcome


@pytest.fixture
def handler(monkeypatch) -> RecordingHandler:
    recording = RecordingHandler()
    monkeypatch.setattr(registry, "_handlers", {"time_entry": recording, "client": recording})
    return recording


@pytest.fixture
def sent_tasks(monkeypatch) -> list[tuple[str, int, float | None]]:
    """Tasks the code enqueued (after commit), instead of sending them to the broker."""
    sent: list[tuple[str, int, float | None]] = []

    def record(task_name: str, args: tuple, *, countdown: float | None = None) -> bool:
        [argument] = args
        sent.append((task_name.removeprefix("webhooks."), argument, countdown))
        return True

    monkeypatch.setattr(enqueue, "publish_now", record)
    return sent


@pytest.fixture(autouse=True)
def no_cached_signing_keys():
    """Each test starts with web processes that have read no signing keys yet."""
    signing_keys_forget_all()
    yield
    signing_keys_forget_all()


@pytest.fixture
def wake_notifications(transactional_db):
    """What the worker's listener hears: ``received()`` returns the ids notified so far.

    Needs a transactional test: PostgreSQL delivers a notification only once its row commits.
    """
    with psycopg.connect(**connection_params()) as listening:
        listening.execute(f'LISTEN "{wake_channel()}"')
        heard: list[str] = []

        def received(expected: int = 1) -> list[str]:
            for notification in listening.notifies(timeout=10, stop_after=expected - len(heard)):
                heard.append(notification.payload)
            return heard

        yield received
