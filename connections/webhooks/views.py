"""The FreshBooks webhook endpoint: store the delivery, answer at once, process later.

Not inside a request transaction (the row commits before the 200, and only then wakes the worker)
and exempt from CSRF (FreshBooks signs deliveries instead). Bodies are read with a cap, never
through ``request.POST``, because the signature covers the fields in the order they were posted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connections.webhooks.deliveries import IncomingDelivery, IngestResult
from connections.webhooks.ingest import webhook_delivery_receive


def max_body_bytes() -> int:
    return settings.WEBHOOK_MAX_BODY_BYTES


def _answer(status_code: int, reason: str) -> HttpResponse:
    return HttpResponse(reason, status=status_code, content_type="text/plain; charset=utf-8")


def _capped_body(request: HttpRequest) -> tuple[bytes, bool]:
    """The body and whether it exceeded the cap (declared or actual); never reads past the cap."""
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return b"", True
    if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        # No Content-Length, so Django's request stream reads nothing; the server (gunicorn)
        # has already decoded the chunks in wsgi.input, still capped here.
        body = request.META["wsgi.input"].read(limit + 1)
    else:
        body = request.read(limit + 1)
    return body[:limit], len(body) > limit


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def freshbooks_webhook(request: HttpRequest, token: str) -> HttpResponse:
    body, too_large = _capped_body(request)
    incoming = IncomingDelivery(
        body=body,
        content_type=request.content_type or "",
        headers=dict(request.headers),
        remote_ip=request.META.get("REMOTE_ADDR"),
        too_large=too_large,
    )
    result: IngestResult = webhook_delivery_receive(token=token, incoming=incoming)
    return _answer(result.status_code, result.reason)
