"""How long a Celery task waits before its next try: exponential backoff with full jitter.

Celery's own formula (`get_exponential_backoff_interval`), so every task backs off alike; a
`Retry-After` from FreshBooks is a floor, never shortened by the jitter. Celery's formula draws the
jitter with `random.randrange`, so `factor` and `maximum` are whole seconds.
"""

from __future__ import annotations

from celery.utils.time import get_exponential_backoff_interval


def retry_countdown(
    retries: int, *, factor: int, maximum: int, retry_after: float | None = None
) -> float:
    backoff = get_exponential_backoff_interval(
        factor=factor, retries=retries, maximum=maximum, full_jitter=True
    )
    return max(float(backoff), retry_after or 0.0)
