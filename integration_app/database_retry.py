"""A request whose database connection was cut (a failover, a restart, an operator's
``pg_terminate_backend``) is not a 500.

Persistent connections are checked at the start of each request (``CONN_HEALTH_CHECKS``), but one
cut in the middle of a request fails it. A safe request (GET, HEAD, OPTIONS), which changes
nothing, is run again once on a fresh connection; any other request, or a safe one that fails
again, gets 503 with ``Retry-After`` and a page that says to try again. Other errors stay errors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = 2
_LOST = "_database_connection_lost"
UNAVAILABLE_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Try again in a moment</title>"
    "<h1>Try again in a moment</h1><p>The connection to our database was interrupted while "
    "handling your request. Please try again in a moment.</p></html>"
)


def _a_connection_was_lost() -> bool:
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        try:
            if not connection.is_usable():
                return True
        except DatabaseError:
            return True
    return False


def _note_lost_connection(sender, request: HttpRequest | None = None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if (
        request is not None
        and isinstance(error, OperationalError | InterfaceError)
        and _a_connection_was_lost()
    ):
        setattr(request, _LOST, True)


got_request_exception.connect(_note_lost_connection, dispatch_uid="database_retry")


class DatabaseRetryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, _LOST, False):
            return response
        response.close()
        close_old_connections()
        if request.method in SAFE_METHODS:
            logger.warning("database connection lost during %s; running it again", request.path)
            setattr(request, _LOST, False)
            response = self.get_response(request)
            if not getattr(request, _LOST, False):
                return response
            response.close()
            close_old_connections()
        logger.warning("database connection lost during %s %s; 503", request.method, request.path)
        unavailable = HttpResponse(UNAVAILABLE_PAGE, status=503)
        unavailable["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return unavailable
