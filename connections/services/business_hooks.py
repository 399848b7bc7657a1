"""What happens around a business's life cycle, registered by the apps that own that work.

Sync (invoicing) and webhook subscriptions register here in their `AppConfig.ready()` instead of
being imported by the connection services, so connecting a business never depends on those
modules' internals.
Callbacks run inside the caller's transaction and must only enqueue work after commit.
"""

from __future__ import annotations

from collections.abc import Callable

_on_connect: list[Callable[[int], None]] = []
_on_callbacks_removed: list[Callable[[int], None]] = []
_on_reconnect: list[Callable[[int], None]] = []


def on_connect(callback: Callable[[int], None]) -> Callable[[int], None]:
    if callback not in _on_connect:
        _on_connect.append(callback)
    return callback


def on_callbacks_removed(callback: Callable[[int], None]) -> Callable[[int], None]:
    if callback not in _on_callbacks_removed:
        _on_callbacks_removed.append(callback)
    return callback


def on_reconnect(callback: Callable[[int], None]) -> Callable[[int], None]:
    if callback not in _on_reconnect:
        _on_reconnect.append(callback)
    return callback


def run_on_reconnect(business_pk: int) -> None:
    for callback in _on_reconnect:
        callback(business_pk)


def run_on_connect(business_pk: int) -> None:
    for callback in _on_connect:
        callback(business_pk)


def run_on_callbacks_removed(business_pk: int) -> None:
    for callback in _on_callbacks_removed:
        callback(business_pk)
