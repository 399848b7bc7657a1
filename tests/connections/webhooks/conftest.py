from __future__ import annotations

import pytest

from connections.webhooks import registry
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
