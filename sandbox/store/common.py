"""Helpers every store module shares: the window of a list and raising webhook events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.db import Event, Transaction


@dataclass(frozen=True)
class Window:
    """Which slice of a list a page asks for."""

    offset: int
    limit: int

    def cut(self, items: list[Any]) -> list[Any]:
        return items[self.offset : self.offset + self.limit]


EVERYTHING = Window(0, 10**9)


def emit(
    transaction: Transaction,
    business: dict[str, Any],
    noun: str,
    verb: str,
    object_id: int,
    identity_id: int,
) -> None:
    """Raise ``<noun>.<verb>``; it is delivered only if the business has an account to hook."""
    if business.get("account_id") is None:
        return
    transaction.emit(
        Event(
            name=f"{noun}.{verb}",
            object_id=object_id,
            account_id=business["account_id"],
            business_id=business["business_id"],
            identity_id=identity_id,
        )
    )
