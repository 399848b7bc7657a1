"""A per-identity request budget shared by every worker process on every machine.

FreshBooks rate-limits per token/identity without publishing the numbers. If each Celery worker
kept its own budget, N workers would send N times the rate and all of them would collect 429s.
The budget is a token bucket in Redis, updated atomically by a Lua script on the Redis server's
clock (so hosts with skewed clocks agree), plus a "pause" key set after a 429 so that every worker
waits out the Retry-After instead of hammering.

Redis being unreachable does not stop FreshBooks calls: the gate fails open and logs a warning,
and the client still honours 429s on its own.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

import redis

from .errors import RateLimited

logger = logging.getLogger(__name__)

# Returns 0 when a token was taken, otherwise the milliseconds to wait before trying again.
_ACQUIRE = """
local pause_ms = redis.call('PTTL', KEYS[2])
if pause_ms > 0 then
  return pause_ms
end
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now_us
end
local elapsed = math.max(0, now_us - ts)
tokens = math.min(burst, tokens + elapsed * rate / 1000000)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'ts', string.format('%.0f', now_us))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait_ms
"""

# Extends (never shortens) the pause; returns the pause now in force, in milliseconds.
_PAUSE = """
local wanted = tonumber(ARGV[1])
local current = redis.call('PTTL', KEYS[1])
if current < wanted then
  redis.call('SET', KEYS[1], '1', 'PX', wanted)
  return wanted
end
return current
"""


class RedisRateGate:
    """Token bucket (`rate_per_second`, `burst`) and 429 pause per rate key (identity)."""

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        rate_per_second: float = 5.0,
        burst: int = 10,
        key_prefix: str = "fb:rate:",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self._redis = redis_client
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.key_prefix = key_prefix
        self._sleep = sleep
        self._acquire_script = redis_client.register_script(_ACQUIRE)
        self._pause_script = redis_client.register_script(_PAUSE)

    def __repr__(self) -> str:
        return (
            f"RedisRateGate(rate_per_second={self.rate_per_second}, burst={self.burst}, "
            f"key_prefix={self.key_prefix!r})"
        )

    def _keys(self, rate_key: str) -> tuple[str, str]:
        # The hash tag keeps both keys in one slot, so the script also works on Redis Cluster.
        base = f"{self.key_prefix}{{{rate_key}}}"
        return f"{base}:bucket", f"{base}:pause"

    def acquire(self, rate_key: str, *, timeout: float = 60) -> None:
        """Block until this identity may make one request; RateLimited after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                wait_ms = int(
                    self._acquire_script(
                        keys=list(self._keys(rate_key)),
                        args=[repr(float(self.rate_per_second)), self.burst],
                    )
                )
            except redis.RedisError as exc:
                logger.warning("rate gate unavailable, continuing without it: %s", exc)
                return
            if wait_ms <= 0:
                return
            wait = wait_ms / 1000
            remaining = deadline - time.monotonic()
            if wait > remaining:
                raise RateLimited(
                    f"rate gate busy for {wait:.1f}s, more than the {timeout:.1f}s allowed",
                    retry_after=wait,
                )
            # A little jitter so workers released by the same pause do not all fire at once.
            self._sleep(min(wait + random.uniform(0, wait * 0.1), remaining))  # noqa: S311

    def pause(self, rate_key: str, seconds: float) -> None:
        """Stop every worker's calls for this identity for `seconds` (e.g. a 429 Retry-After)."""
        milliseconds = max(1, int(seconds * 1000))
        try:
            self._pause_script(keys=[self._keys(rate_key)[1]], args=[milliseconds])
        except redis.RedisError as exc:
            logger.warning("rate gate unavailable, pause not shared: %s", exc)
        else:
            logger.info("rate gate paused for %.1fs", seconds)

    def paused_for(self, rate_key: str) -> float:
        """Seconds left in the current pause (0.0 when none)."""
        try:
            milliseconds = int(self._redis.pttl(self._keys(rate_key)[1]))
        except redis.RedisError as exc:
            logger.warning("rate gate unavailable: %s", exc)
            return 0.0
        return max(milliseconds, 0) / 1000
