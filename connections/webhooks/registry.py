"""Which code refreshes which FreshBooks object when a webhook says it changed.

Handlers live with the code that owns the data (invoicing registers ``time_entry``, ``client``,
``project``, ``service`` and later ``invoice``) and are registered at app start-up, so the endpoint
and the worker agree on which nouns are handled. A handler re-fetches the object by id and upserts
it, or marks it deleted (a 404 on re-fetch means deleted), and returns what it did::

    from connections.webhooks import registry
    registry.register("time_entry", object_refresh)

    def object_refresh(*, business: ConnectedBusiness, noun: str, object_id: int) -> str:
        ...  # "updated", "deleted" or "ignored"

Handlers raise ``ReauthorizationRequired`` (the delivery waits for a reconnect) and FreshBooks
errors (the delivery is retried with backoff) for the caller to handle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from connections.models import ConnectedBusiness


class WebhookHandler(Protocol):
    def __call__(self, *, business: ConnectedBusiness, noun: str, object_id: int) -> str: ...


class HandlerConflict(ValueError):
    """Two different handlers claimed the same noun."""


_handlers: dict[str, WebhookHandler] = {}


def register(
    noun: str, handler: WebhookHandler | None = None
) -> WebhookHandler | Callable[[WebhookHandler], WebhookHandler]:
    """Register ``handler`` for ``noun``; usable directly or as ``@register("client")``.

    Registering the same function again (a module imported twice) is harmless; a different one
    for a noun already taken is a programming error.
    """

    def add(handler: WebhookHandler) -> WebhookHandler:
        current = _handlers.get(noun)
        if current is not None and current is not handler:
            raise HandlerConflict(f"a webhook handler for {noun!r} is already registered")
        _handlers[noun] = handler
        return handler

    if handler is None:
        return add
    return add(handler)


def handler_for(noun: str) -> WebhookHandler | None:
    return _handlers.get(noun)


def registered_nouns() -> frozenset[str]:
    return frozenset(_handlers)
