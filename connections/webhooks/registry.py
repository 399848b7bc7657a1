"""Which code refreshes which FreshBooks object when a webhook says it changed.

Handlers live with the code that owns the data (invoicing registers ``time_entry``, ``client``,
``project``, ``service``, ``expense``, ``tax`` and, for its drafts, ``invoice``) and are
registered at app start-up, so the endpoint and the worker agree on which nouns are handled. A
handler re-fetches the object by id and upserts it, or marks it deleted (a 404 on re-fetch means
deleted), and returns what it did::

    from connections.webhooks import registry
    registry.register("time_entry", object_refresh)

    def object_refresh(*, business: ConnectedBusiness, noun: str, object_id: int) -> str:
        ...  # "updated", "deleted" or "ignored"

A noun's handler may take only some of its events (``events=("invoice.delete",)``): the endpoint
then stores the others as ignored, so they never cost a re-fetch.

Handlers raise ``ReauthorizationRequired`` (the delivery waits for a reconnect), FreshBooks errors
and ``RetryLater`` (the delivery is retried with backoff) for the caller to handle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from connections.models import ConnectedBusiness


class WebhookHandler(Protocol):
    def __call__(self, *, business: ConnectedBusiness, noun: str, object_id: int) -> str: ...


class HandlerConflict(ValueError):
    """Two different handlers claimed the same noun."""


class RetryLater(Exception):
    """The handler cannot act now (e.g. another worker holds the object); try again later."""


_handlers: dict[str, WebhookHandler] = {}
# The only event names a (noun, handler) registration takes; one not listed takes every event.
# Keyed by the handler too, so a test that swaps ``_handlers`` never inherits a filter.
_events: dict[tuple[str, WebhookHandler], frozenset[str]] = {}


def register(
    noun: str, handler: WebhookHandler | None = None, *, events: Iterable[str] | None = None
) -> WebhookHandler | Callable[[WebhookHandler], WebhookHandler]:
    """Register ``handler`` for ``noun``; usable directly or as ``@register("client")``.

    ``events`` (full names, e.g. ``"invoice.delete"``) limits the handler to those events.
    Registering the same function again (a module imported twice) is harmless; a different one
    for a noun already taken, or other events for the same one, is a programming error.
    """
    wanted = frozenset(events) if events is not None else None
    if wanted is not None and any(name.split(".", 1)[0] != noun for name in wanted):
        raise ValueError(f"events for {noun!r} must be named {noun}.<verb>: {sorted(wanted)}")

    def add(handler: WebhookHandler) -> WebhookHandler:
        current = _handlers.get(noun)
        if current is not None and current is not handler:
            raise HandlerConflict(f"a webhook handler for {noun!r} is already registered")
        if current is handler and _events.get((noun, handler)) != wanted:
            raise HandlerConflict(f"the webhook handler for {noun!r} takes other events")
        _handlers[noun] = handler
        if wanted is not None:
            _events[(noun, handler)] = wanted
        return handler

    if handler is None:
        return add
    return add(handler)


def handler_for(noun: str) -> WebhookHandler | None:
    return _handlers.get(noun)


def takes(event_name: str) -> bool:
    """Whether a delivery named ``event_name`` (``noun.verb``) has a handler that wants it."""
    noun = event_name.split(".", 1)[0]
    handler = _handlers.get(noun)
    if handler is None:
        return False
    wanted = _events.get((noun, handler))
    return wanted is None or event_name in wanted


def registered_nouns() -> frozenset[str]:
    return frozenset(_handlers)
