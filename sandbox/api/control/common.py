"""What every control route needs beyond ``sandbox.api.common``."""

from __future__ import annotations

from flask import request

from sandbox.api.common import json_body


def optional_body() -> dict:
    """The JSON body, or ``{}`` when none was sent: control calls may omit it, unlike the API."""
    raw = request.get_data(cache=True)
    return json_body() if raw.strip() else {}
