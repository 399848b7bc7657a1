"""What browsers may do on the app's pages: the Content-Security-Policy and Permissions-Policy.

Plain data for settings.py (django-csp 4 reads ``CONTENT_SECURITY_POLICY``; Django 5.2 has no CSP of
its own). Everything comes from the app's own origin, with no inline script or style and no
framing; ``form-action`` also allows FreshBooks' authorize origin, added per response by
``integration_app.security.ContentSecurityPolicyMiddleware``.
"""

from __future__ import annotations

from typing import Any

from csp.constants import NONE, SELF

# Browser features no page of the app uses, switched off for every page (and anything it embeds).
UNUSED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)


def content_security_policy(*, production: bool) -> dict[str, Any]:
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "frame-ancestors": [NONE],
            "form-action": [SELF],
            "upgrade-insecure-requests": production,
        },
    }


def permissions_policy() -> dict[str, list[str]]:
    return {feature: [] for feature in UNUSED_FEATURES}
