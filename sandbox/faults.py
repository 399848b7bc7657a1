"""Fault injection and call counting for the FreshBooks routes (never for ``/_sandbox/``).

A rule matches a request by method (``"*"`` for any) and a regular expression searched in the path
(``null`` for every route). It fires on every ``every``-th matching call, ``times`` times (``null``
for ever), then retires; with ``chance`` (0 to 1) such a call is faulted only with that probability
(drawn from a generator seeded by ``seed``, so a single-threaded caller sees the same faults on
every run). Kinds:

- ``status``: answer ``status`` (default 500) with the family's error body (or ``body``) and a
  ``Retry-After`` header when ``retry_after`` is set;
- ``latency``: wait ``latency_ms`` before answering (several latency rules add up);
- ``reset``: close the connection with a TCP reset, no response;
- ``timeout``: wait ``timeout_s`` (default 12, over the SDKs' timeouts), then answer 504.

``phase: "before"`` (default) faults the request before it is processed; ``"after"`` processes and
commits it, then applies the fault to the response: the server did the work, the client never saw.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.errors import FieldError, ValidationFailed
from sandbox.validation import MISSING, Fields

KINDS = ("status", "latency", "reset", "timeout")
PHASES = ("before", "after")


@dataclass
class FaultRule:
    id: int
    kind: str
    method: str = "*"
    path: str | None = None
    status: int = 500
    retry_after: int | None = None
    body: Any = None
    every: int = 1
    times: int | None = None
    latency_ms: int = 0
    timeout_s: float = 12.0
    phase: str = "before"
    chance: float | None = None
    seed: int = 0
    matched: int = 0
    fired: int = 0
    _pattern: re.Pattern | None = field(default=None, repr=False, compare=False)
    _random: random.Random | None = field(default=None, repr=False, compare=False)

    def draws(self) -> bool:
        """Whether a call this rule matched (and ``every`` selected) is faulted."""
        if self.chance is None:
            return True
        if self._random is None:
            self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not secrets
        return self._random.random() < self.chance

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method:
            return False
        return self._pattern is None or self._pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        description = asdict(self)
        description.pop("_pattern")
        description.pop("_random")
        return description


def parse_rule(rule_id: int, payload: Any) -> FaultRule:
    fields = Fields(payload, "fault")
    kind = fields.choice("kind", KINDS, nullable=False)
    if kind is MISSING:
        fields.fail("kind", "required", f"kind is required: one of {', '.join(KINDS)}")
    method = fields.text("method", nullable=True, max_length=10)
    path = fields.text("path", nullable=True, max_length=500)
    status = fields.integer("status", nullable=False, minimum=100)
    retry_after = fields.integer("retry_after", nullable=True)
    every = fields.integer("every", nullable=False, minimum=1)
    times = fields.integer("times", nullable=True, minimum=1)
    latency_ms = fields.integer("latency_ms", nullable=False)
    timeout_s = fields.decimal("timeout_s", nullable=False)
    phase = fields.choice("phase", PHASES, nullable=False)
    chance = fields.decimal("chance", nullable=True)
    seed = fields.integer("seed", nullable=False, minimum=0)
    fields.check()
    pattern = None
    if path not in (MISSING, None):
        try:
            pattern = re.compile(path)
        except re.error as error:
            raise ValidationFailed(
                {"path": FieldError("invalid", f"not a regular expression: {error}")}, "fault"
            ) from None
    if chance not in (MISSING, None) and not 0 <= chance <= 1:
        raise ValidationFailed({"chance": FieldError("invalid", "chance must be 0 to 1")}, "fault")
    if status is not MISSING and status > 599:
        raise ValidationFailed({"status": FieldError("invalid", "status must be 100-599")}, "fault")

    def given(value, default):
        return default if value in (MISSING, None) else value

    return FaultRule(
        id=rule_id,
        kind=kind,
        method=given(method, "*").upper(),
        path=given(path, None),
        status=given(status, 500),
        retry_after=given(retry_after, None),
        body=fields.payload.get("body"),
        every=given(every, 1),
        times=given(times, None),
        latency_ms=given(latency_ms, 0),
        timeout_s=float(given(timeout_s, 12.0)),
        phase=given(phase, "before"),
        chance=None if chance in (MISSING, None) else float(chance),
        seed=given(seed, 0),
        _pattern=pattern,
    )


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, payload: Any) -> FaultRule:
        with self._lock:
            rule = parse_rule(next(self._ids), payload)
            self._rules.append(rule)
            return rule

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def fire(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this call; counts the match and retires spent rules."""
        fired = []
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                rule.matched += 1
                if rule.matched % rule.every or not rule.draws():
                    continue
                rule.fired += 1
                fired.append(rule)
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
        return fired


class CallCounter:
    """Calls served per ``"METHOD /route/{pattern}"``, faulted calls included."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            counts = dict(sorted(self._counts.items()))
        counts["total"] = sum(counts.values())
        return counts

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
