"""Webhook delivery: a background thread posting signed forms, with retries (reference §8.2, §8.3).

- Event deliveries are ``application/x-www-form-urlencoded`` POSTs with the fields, in this order,
  ``name, object_id, account_id, business_id, identity_id, user_id`` (``user_id`` is the identity,
  FreshBooks calls it legacy) and the header ``X-FreshBooks-Hmac-SHA256`` =
  base64(HMAC-SHA256(verifier, json.dumps({k: str(v)}))) over the fields in posted order.
- The ``callback.verify`` POST carries ``name, object_id (the callback id), verifier, account_id,
  user_id`` and is not signed.
- A non-2xx answer (3xx included, redirects are not followed) or no answer within 10 s fails the
  attempt. Attempt ``n`` is retried after ``retry_base * 2**(n-1)`` seconds, up to ``max_attempts``
  attempts, then dropped.
- One thread delivers, one POST at a time, oldest due first. Test modes: ``duplicate`` (a fraction
  of events, or true for all, is delivered twice; deterministic, every 1/fraction-th event),
  ``delay_ms`` (each delivery waits), ``reorder`` (deliveries are held at least 0.5 s and sent
  newest first). ``flush`` delivers everything pending now, retries included, ignoring delays.
- Pending deliveries live in memory: a restart loses them, as FreshBooks' "may be dropped" allows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox import clock
from sandbox.db import Event

DELIVERY_TIMEOUT_SECONDS = 10.0
REORDER_HOLD_SECONDS = 0.5
LOG_LIMIT = 20000
USER_AGENT = "FreshBooks-Sandbox-Webhooks/1.0"


def sign(verifier: str, fields: list[tuple[str, Any]]) -> str:
    """The ``X-FreshBooks-Hmac-SHA256`` value for a delivery with these form fields."""
    message = json.dumps({key: str(value) for key, value in fields})
    digest = hmac.new(verifier.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Delivery:
    sequence: int
    event: str
    callback_id: int
    uri: str
    fields: list[tuple[str, Any]]
    signature: str | None
    due: float
    attempt: int = 0


@dataclass
class WebhookMode:
    duplicate: float = 0.0
    delay_ms: int = 0
    reorder: bool = False
    _duplicate_credit: float = field(default=0.0, repr=False)

    def should_duplicate(self) -> bool:
        if self.duplicate <= 0:
            return False
        self._duplicate_credit += self.duplicate
        if self._duplicate_credit >= 1.0 - 1e-9:
            self._duplicate_credit -= 1.0
            return True
        return False

    def describe(self) -> dict[str, Any]:
        return {"duplicate": self.duplicate, "delay_ms": self.delay_ms, "reorder": self.reorder}


class WebhookDispatcher:
    def __init__(
        self,
        *,
        retry_base: float,
        max_attempts: int,
        subscribers: Callable[[Event], list[dict[str, Any]]],
    ):
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self._subscribers = subscribers
        self._condition = threading.Condition()
        self._pending: list[Delivery] = []
        self._in_flight = 0
        self._flushing = 0
        self._stopping = False
        self._sequence = itertools.count(1)
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self.mode = WebhookMode()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=DELIVERY_TIMEOUT_SECONDS + 1)

    # Producing deliveries.

    def emit(self, events: list[Event]) -> None:
        """Queue one delivery per verified subscriber of each event (called after COMMIT)."""
        for event in events:
            for callback in self._subscribers(event):
                fields = [
                    ("name", event.name),
                    ("object_id", event.object_id),
                    ("account_id", event.account_id),
                    ("business_id", event.business_id),
                    ("identity_id", event.identity_id),
                    ("user_id", event.identity_id),
                ]
                signature = sign(callback["verifier"], fields)
                copies = 2 if self.mode.should_duplicate() else 1
                for _ in range(copies):
                    self._enqueue(event.name, callback, fields, signature)

    def send_verification(self, callback: dict[str, Any]) -> None:
        fields = [
            ("name", "callback.verify"),
            ("object_id", callback["callbackid"]),
            ("verifier", callback["verifier"]),
            ("account_id", callback["account_id"]),
            ("user_id", callback["identity_id"]),
        ]
        self._enqueue("callback.verify", callback, fields, None)

    def _enqueue(
        self, event: str, callback: dict[str, Any], fields: list, signature: str | None
    ) -> None:
        with self._condition:
            hold = self.mode.delay_ms / 1000
            if self.mode.reorder:
                hold = max(hold, REORDER_HOLD_SECONDS)
            self._pending.append(
                Delivery(
                    sequence=next(self._sequence),
                    event=event,
                    callback_id=callback["callbackid"],
                    uri=callback["uri"],
                    fields=fields,
                    signature=signature,
                    due=time.monotonic() + hold,
                )
            )
            self._condition.notify_all()

    # Consuming them.

    def _next_due(self) -> Delivery | None:
        now = time.monotonic()
        due = [d for d in self._pending if self._flushing or d.due <= now]
        if not due:
            return None
        if self.mode.reorder:
            chosen = max(due, key=lambda delivery: delivery.sequence)
        else:
            chosen = min(due, key=lambda delivery: (delivery.due, delivery.sequence))
        self._pending.remove(chosen)
        return chosen

    def _run(self) -> None:
        while True:
            with self._condition:
                delivery = None
                while not self._stopping:
                    delivery = self._next_due()
                    if delivery is not None:
                        break
                    wait = None
                    if self._pending:
                        wait = max(0.0, min(d.due for d in self._pending) - time.monotonic())
                    self._condition.wait(timeout=wait)
                if self._stopping:
                    return
                self._in_flight += 1
            succeeded = False
            try:
                succeeded = self._attempt(delivery)
            finally:
                with self._condition:
                    self._in_flight -= 1
                    if not succeeded and delivery.attempt < self.max_attempts:
                        backoff = self.retry_base * 2 ** (delivery.attempt - 1)
                        delivery.due = time.monotonic() + backoff
                        self._pending.append(delivery)
                    self._condition.notify_all()

    def _attempt(self, delivery: Delivery) -> bool:
        delivery.attempt += 1
        headers = {"User-Agent": USER_AGENT}
        if delivery.signature is not None:
            headers["X-FreshBooks-Hmac-SHA256"] = delivery.signature
        status, error = None, None
        try:
            response = self._session.post(
                delivery.uri,
                data=[(key, str(value)) for key, value in delivery.fields],
                headers=headers,
                timeout=DELIVERY_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
        except requests.RequestException as exception:
            error = f"{type(exception).__name__}: {exception}"
        succeeded = status is not None and 200 <= status < 300
        if succeeded:
            outcome = "delivered"
        elif delivery.attempt < self.max_attempts:
            outcome = "failed"
        else:
            outcome = "dropped"
        self._log.append(
            {
                "delivery_id": delivery.sequence,
                "event": delivery.event,
                "callback_id": delivery.callback_id,
                "uri": delivery.uri,
                "object_id": dict(delivery.fields)["object_id"],
                "fields": {key: str(value) for key, value in delivery.fields},
                "attempt": delivery.attempt,
                "status": status,
                "error": error,
                "signature": delivery.signature,
                "outcome": outcome,
                "at": clock.iso_z(clock.utc_now()),
            }
        )
        return succeeded

    # Control.

    def flush(self, timeout: float = 120.0) -> dict[str, int]:
        """Deliver everything pending now (retries too, no waiting) and return when done."""
        deadline = time.monotonic() + timeout
        with self._condition:
            self._flushing += 1
            self._condition.notify_all()
            try:
                while (self._pending or self._in_flight) and time.monotonic() < deadline:
                    self._condition.wait(timeout=0.05)
            finally:
                self._flushing -= 1
            return {"pending": len(self._pending), "in_flight": self._in_flight}

    def set_mode(
        self,
        *,
        duplicate: float | None = None,
        delay_ms: int | None = None,
        reorder: bool | None = None,
    ) -> dict[str, Any]:
        with self._condition:
            if duplicate is not None:
                self.mode.duplicate = duplicate
            if delay_ms is not None:
                self.mode.delay_ms = delay_ms
            if reorder is not None:
                self.mode.reorder = reorder
            return self.mode.describe()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._condition:
            return list(self._log)

    def pending_count(self) -> int:
        with self._condition:
            return len(self._pending) + self._in_flight

    def reset(self) -> None:
        with self._condition:
            self._pending.clear()
            self._log.clear()
            self.mode = WebhookMode()
