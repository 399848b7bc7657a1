"""Webhook delivery under test control: the delivery log, duplicate/delay/reorder modes, flush."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from sandbox.api.common import runtime
from sandbox.api.control.common import optional_body
from sandbox.validation import MISSING, Fields

blueprint = Blueprint("webhooks", __name__)


@blueprint.get("/webhooks/deliveries")
def webhook_deliveries():
    dispatcher = runtime().webhooks
    return jsonify({"deliveries": dispatcher.deliveries(), "pending": dispatcher.pending_count()})


@blueprint.post("/webhooks/mode")
def webhook_mode():
    fields = Fields(optional_body(), "webhook_mode")
    delay_ms = fields.integer("delay_ms", nullable=False)
    reorder = fields.boolean("reorder")
    duplicate: Any = MISSING
    if fields.has("duplicate"):
        raw = fields.payload["duplicate"]
        if isinstance(raw, bool):
            duplicate = 1.0 if raw else 0.0
        else:
            duplicate = fields.decimal("duplicate", nullable=False)
            if duplicate is not MISSING:
                if duplicate > 1:
                    fields.fail("duplicate", "invalid", "duplicate must be a fraction 0 to 1")
                duplicate = float(duplicate)
    fields.check()
    mode = runtime().webhooks.set_mode(
        duplicate=None if duplicate is MISSING else duplicate,
        delay_ms=None if delay_ms is MISSING else delay_ms,
        reorder=None if reorder is MISSING else reorder,
    )
    return jsonify(mode)


@blueprint.post("/webhooks/flush")
def webhook_flush():
    return jsonify(runtime().webhooks.flush())
