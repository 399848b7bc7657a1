"""Retry decisions: backoff delays, Retry-After, and whether a failed request may have been sent.

The client retries only when a repeat cannot duplicate work: idempotent requests on transient
failures, and any request FreshBooks provably did not process (429, or a connection that never
opened). A POST that may have reached FreshBooks is never repeated blindly: FreshBooks has no
idempotency keys, so a second POST can create a second invoice.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import TransportError

RETRYABLE_STATUSES = frozenset({502, 503, 504})
DEFAULT_RETRY_AFTER = 5.0


def backoff_delay(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return (rng or random).uniform(0, ceiling)


def retry_after_seconds(header: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None when absent/invalid."""
    if not header or not header.strip():
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the connection was never established, so no byte of the request was sent."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


def transport_error(exc: requests.RequestException, *, method: str, path: str) -> TransportError:
    """Wrap a requests exception; the message names the failure, never headers or tokens."""
    maybe_sent = not _never_connected(exc)
    if isinstance(exc, requests.ConnectTimeout):
        what = "connect timeout"
    elif isinstance(exc, requests.Timeout):
        what = "read timeout"
    elif maybe_sent:
        what = "connection lost"
    else:
        what = "connection failed"
    detail = type(exc).__name__
    return TransportError(
        f"{method} {path}: {what} ({detail}); request "
        + ("may have been sent" if maybe_sent else "was not sent"),
        maybe_sent=maybe_sent,
    )


def is_retryable_transport(exc: requests.RequestException) -> bool:
    """Failures worth another attempt (as opposed to e.g. an invalid URL)."""
    return isinstance(
        exc,
        requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError,
    )
