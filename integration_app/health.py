"""Liveness of the parts the app cannot work without: the database and Redis."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from integration_app.redis import get_redis


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"error: {error.__class__.__name__}: {str(error).strip()[:200]}"
    return "ok"


def _redis_state() -> str:
    try:
        get_redis().ping()
    except (RedisError, OSError) as error:
        return f"error: {error.__class__.__name__}: {str(error).strip()[:200]}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_state(), "redis": _redis_state()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status=200 if healthy else 503,
    )
