"""One seeding pass's shared state, apart from the builders so they can all take it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from sandbox import clock
from sandbox.db import Transaction
from sandbox.seed.sizes import SeedSizes


@dataclass
class SeedRun:
    """One generator, drawn from in a fixed order, so the same seed gives the same data."""

    transaction: Transaction
    sizes: SeedSizes
    rng: random.Random = field(init=False)
    now: datetime = field(init=False)
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.sizes.seed)
        self.now = clock.utc_now().replace(second=0, microsecond=0)
        self.counts = {
            "clients": 0,
            "projects": 0,
            "services": 0,
            "time_entries": 0,
            "taxes": 0,
            "expenses": 0,
        }
