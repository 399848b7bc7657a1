"""What a caller may ask to seed, checked like an API payload since the control API accepts it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.validation import MISSING, Fields


@dataclass
class SeedSizes:
    users: int = 2
    businesses: int = 3
    clients: int = 20
    currencies: list[str] = field(default_factory=lambda: ["USD", "CAD"])
    projects_per_client: int = 2
    services: int = 5
    team_members: int = 3
    time_entries: int = 3000
    months: int = 3
    billed_fraction: float = 0.2
    seed: int = 42

    @classmethod
    def parse(cls, payload: Any) -> SeedSizes:
        fields = Fields(payload if payload is not None else {}, "seed")
        sizes = cls()
        limits = {
            "users": (1, 50),
            "businesses": (1, 50),
            "clients": (0, 5000),
            "projects_per_client": (0, 50),
            "services": (0, 100),
            "team_members": (0, 200),
            "time_entries": (0, 1_000_000),
            "months": (1, 120),
            "seed": (0, 2**31),
        }
        for name, (low, high) in limits.items():
            value = fields.integer(name, nullable=False, minimum=low)
            if value is not MISSING:
                if value > high:
                    fields.fail(name, "invalid", f"{name} must be at most {high}")
                else:
                    setattr(sizes, name, value)
        fraction = fields.decimal("billed_fraction", nullable=False)
        if fraction is not MISSING:
            if fraction > 1:
                fields.fail("billed_fraction", "invalid", "billed_fraction must be 0 to 1")
            else:
                sizes.billed_fraction = float(fraction)
        if fields.has("currencies"):
            currencies = fields.payload["currencies"]
            if (
                not isinstance(currencies, list)
                or not currencies
                or not all(isinstance(code, str) and len(code) == 3 for code in currencies)
            ):
                fields.fail("currencies", "invalid", "currencies must be a list of ISO codes")
            else:
                sizes.currencies = [code.upper() for code in currencies]
        fields.check()
        return sizes
