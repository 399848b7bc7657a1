"""Diagnostic tasks that prove a worker is consuming and running on-commit work."""

from __future__ import annotations

import logging

from celery import shared_task

from integration_app.redis import get_redis

logger = logging.getLogger(__name__)


@shared_task(name="default.record_worker_heartbeat", ignore_result=False)
def record_worker_heartbeat(marker: str) -> str:
    """Leave a short-lived mark in Redis, so a caller can see this worker ran its task."""
    get_redis().set(f"heartbeat:{marker}", "1", ex=600)
    logger.info("heartbeat %s recorded", marker)
    return marker
