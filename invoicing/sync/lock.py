"""One sync at a time per business, across every worker on every machine.

The lock is a Redis key holding the id of the run that owns it, with a time-to-live the running
sync keeps extending. A run redelivered after its worker died finds its own id there and takes
over at once instead of waiting for the key to expire.
"""

from __future__ import annotations

from django.conf import settings

from integration_app.redis import get_redis

LOCK_SECONDS = 300

_TAKE = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class BusinessSyncLock:
    def __init__(self, *, business_pk: int, run_pk: int, seconds: int = LOCK_SECONDS):
        self.key = f"{settings.REDIS_KEY_PREFIX}sync-lock:business:{business_pk}"
        self.owner = str(run_pk)
        self.seconds = seconds

    def acquire(self) -> bool:
        return bool(get_redis().eval(_TAKE, 1, self.key, self.owner, self.seconds))

    def extend(self) -> bool:
        return bool(get_redis().eval(_EXTEND, 1, self.key, self.owner, self.seconds))

    def release(self) -> None:
        get_redis().eval(_RELEASE, 1, self.key, self.owner)

    def holder(self) -> str | None:
        value = get_redis().get(self.key)
        if not value:
            return None
        # Bytes from this app's client (no decode_responses); str only from a decoding one.
        return value.decode() if isinstance(value, bytes) else value
