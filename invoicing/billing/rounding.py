"""Rounding of billed time: increment, direction and level (per entry or per line).

Raw durations never change; rounding only produces the billed seconds stored next to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from invoicing.billing.errors import BillingOptionsError

INCREMENTS_MINUTES = (0, 1, 6, 10, 15, 30, 60)
DIRECTIONS = ("up", "nearest", "down")
LEVELS = ("entry", "line")


@dataclass(frozen=True)
class RoundingPolicy:
    """`increment_minutes` 0 means no rounding; `level` is "entry" or "line" (round the sum)."""

    increment_minutes: int = 0
    direction: str = "up"
    level: str = "entry"

    def __post_init__(self) -> None:
        increment = self.increment_minutes
        if isinstance(increment, bool) or not isinstance(increment, int):
            raise BillingOptionsError(
                "rounding_increment", "The rounding increment must be a whole number of minutes."
            )
        if increment not in INCREMENTS_MINUTES:
            allowed = ", ".join(str(value) for value in INCREMENTS_MINUTES)
            raise BillingOptionsError(
                "rounding_increment",
                f"The rounding increment must be one of {allowed} minutes (0 = no rounding); "
                f"got {increment}.",
            )
        if self.direction not in DIRECTIONS:
            raise BillingOptionsError(
                "rounding_direction",
                f"The rounding direction must be up, nearest or down; got {self.direction!r}.",
            )
        if self.level not in LEVELS:
            raise BillingOptionsError(
                "rounding_level",
                f"Rounding applies per entry or per line; got {self.level!r}.",
            )

    @property
    def increment_seconds(self) -> int:
        return self.increment_minutes * 60

    def describe(self) -> str:
        """Words for the preview, e.g. "rounded up to 15 minutes per entry"."""
        if self.increment_minutes == 0:
            return "not rounded"
        phrase = {"up": "up to", "nearest": "to the nearest", "down": "down to"}[self.direction]
        unit = "minute" if self.increment_minutes == 1 else "minutes"
        return f"rounded {phrase} {self.increment_minutes} {unit} per {self.level}"


def round_seconds(seconds: int, policy: RoundingPolicy) -> int:
    """Billed seconds for `seconds` of raw time; "nearest" rounds an exact half up."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {seconds} seconds")
    step = policy.increment_seconds
    if step == 0:
        return seconds
    whole_steps, remainder = divmod(seconds, step)
    if remainder == 0:
        return seconds
    if policy.direction == "up":
        return (whole_steps + 1) * step
    if policy.direction == "down":
        return whole_steps * step
    return (whole_steps + 1) * step if remainder * 2 >= step else whole_steps * step


def spread_seconds(raw_seconds: Mapping[int, int], billed_total: int) -> dict[int, int]:
    """Share a line's billed total among its entries in proportion to their raw time.

    Used for per-line rounding, so every entry still has a billed duration and the entries'
    billed seconds add up exactly to the line's. Largest remainder method; ties go to the
    smaller entry id so the result never depends on input order.
    """
    if billed_total < 0:
        raise ValueError("a billed total cannot be negative")
    entry_ids = sorted(raw_seconds)
    raw_total = sum(raw_seconds.values())
    if not entry_ids:
        if billed_total:
            raise ValueError("cannot spread billed time over no entries")
        return {}
    shares: dict[int, int] = dict.fromkeys(entry_ids, 0)
    if raw_total == 0:
        shares[entry_ids[0]] = billed_total
        return shares
    remainders: list[tuple[int, int]] = []
    for entry_id in entry_ids:
        share, remainder = divmod(raw_seconds[entry_id] * billed_total, raw_total)
        shares[entry_id] = share
        remainders.append((-remainder, entry_id))
    leftover = billed_total - sum(shares.values())
    for _, entry_id in sorted(remainders)[:leftover]:
        shares[entry_id] += 1
    return shares
