"""One Redis connection pool per process, for locks, rate limits and health checks."""

from __future__ import annotations

import functools

import redis as redis_lib
from django.conf import settings


@functools.cache
def _client_for(url: str) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )


def get_redis() -> redis_lib.Redis:
    return _client_for(settings.REDIS_URL)
