"""Browser-facing response headers: Content-Security-Policy, Permissions-Policy, no-store.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings.py (django-csp 4; Django 5.2 has no CSP
support of its own, it arrives in Django 6.0). This module adds what depends on the request:

- ``form-action`` allows FreshBooks' authorize origin (``FRESHBOOKS_AUTH_BASE_URL``), read per
  response: "Connect FreshBooks" is a form POST that the app answers with a redirect to FreshBooks,
  and browsers (Chromium) apply ``form-action`` to the redirect too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.utils.cache import add_never_cache_headers


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the per-request parts described in the module docstring."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        update = dict(parts.update or {})
        update["form-action"] = [
            *update.get("form-action", ()),
            origin(settings.FRESHBOOKS_AUTH_BASE_URL),
        ]
        parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """``Permissions-Policy``: the app uses no camera, microphone, location, payment, USB..."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreWhenSignedInMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user.

    Pages show a user's clients, hours and invoices; neither the browser's back-forward cache on a
    shared computer nor a proxy may keep them. Static files (served before this middleware by
    WhiteNoise, or under ``STATIC_URL``) and anonymous responses (the webhook endpoint, the health
    check, the sign-in pages) are left alone. Signing in and out count as signed in.
    """

    def __init__(self, get_response: Callable):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        if request.path_info.startswith(self.static_prefix):
            return self.get_response(request)
        signed_in_before = _signed_in(request)
        response = self.get_response(request)
        if signed_in_before or _signed_in(request):
            add_never_cache_headers(response)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
