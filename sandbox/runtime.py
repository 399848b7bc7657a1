"""The live parts of one sandbox process: state, faults, call counts and webhook delivery."""

from __future__ import annotations

from typing import Any

from sandbox.config import SandboxConfig
from sandbox.db import Database, Event
from sandbox.faults import CallCounter, FaultBook
from sandbox.store import callbacks
from sandbox.webhooks import WebhookDispatcher


class Sandbox:
    def __init__(self, config: SandboxConfig, database: Database):
        self.config = config
        self.db = database
        self.faults = FaultBook()
        self.calls = CallCounter()
        self.webhooks = WebhookDispatcher(
            retry_base=config.webhook_retry_base,
            max_attempts=config.webhook_max_attempts,
            subscribers=self._subscribers,
        )
        database.event_sink = self.webhooks.emit

    def _subscribers(self, event: Event) -> list[dict[str, Any]]:
        with self.db.reading() as reader:
            return callbacks.subscribed(reader, event.account_id, event.name)

    def start(self) -> None:
        self.webhooks.start()

    def stop(self) -> None:
        self.webhooks.stop()
        self.db.close()

    def reset(self) -> None:
        """Empty the state and forget faults, call counts and webhook modes (apps stay)."""
        self.webhooks.reset()
        self.db.reset()
        self.faults.clear()
        self.calls.reset()
