"""``/_sandbox/``: the control API for tests, the demo and benchmarks (JSON in and out, but for
the invoice page).

Served only in control mode, never counted in the call counters. Act-as-user endpoints take the
object's fields flat (not wrapped) plus an optional ``as_identity_id`` (default: the business owner)
and go through the same code as the API, so they validate the same way and raise the same webhook
events:

| method and path | does |
| --- | --- |
| ``GET /_sandbox/health`` | ``{"status": "ok"}`` |
| ``GET /_sandbox/info`` | registered apps and settings |
| ``POST /_sandbox/reset`` | empty the state, faults, counters, webhook queue, log and modes |
| ``POST /_sandbox/seed`` | seed (sizes in the body, see ``sandbox.seed``); returns created ids |
| ``GET /_sandbox/calls``, ``POST /_sandbox/calls/reset`` | ``{"METHOD /route": n, "total": n}`` |
| ``GET|POST|DELETE /_sandbox/faults``, ``DELETE /_sandbox/faults/{id}`` | fault rules |
| ``POST /_sandbox/tokens/expire`` | every access token expires now |
| ``POST /_sandbox/tokens/rotate`` | ``{identity_id, client_id}``: another install refreshed |
| ``POST /_sandbox/oauth/grant`` | ``{identity_id|email, client_id, redirect_uri?, scope?}``:
  a code |
| ``POST /_sandbox/act/{business_id}/{noun}`` | create (nouns: ``time_entries``, ``clients``,
  ``projects``, ``services``, ``invoices``, ``expenses``, ``taxes``) → ``{<singular>: {...}}``
  with status 201 |
| ``PATCH /_sandbox/act/{business_id}/{noun}/{id}`` | update |
| ``DELETE /_sandbox/act/{business_id}/{noun}/{id}`` | delete (soft where FreshBooks is soft) |
| ``POST /_sandbox/act/{business_id}/invoices/{id}/status`` | ``{"status": "sent"}`` (or draft,
  viewed, paid) |
| ``GET /_sandbox/state/{business_id or account_id}/{noun}`` | every object, deleted ones too
  (``time_entries``, ``invoices`` with lines, ``clients``, ``projects``, ``services``,
  ``callbacks``, ``expenses``, ``taxes``) |
| ``GET /_sandbox/webhooks/deliveries`` | every delivery attempt |
| ``POST /_sandbox/webhooks/mode`` | ``{"duplicate": fraction|bool, "delay_ms", "reorder"}`` |
| ``POST /_sandbox/webhooks/flush`` | deliver everything pending now and wait |
| ``GET /_sandbox/invoices/{account_id}/{invoice_id}`` | the invoice as FreshBooks' invoice page
  shows it (HTML, deleted ones too): what the app links to in sandbox mode |

One module per family of routes: ``state`` (health, info, reset, seed, raw state), ``faults``
(fault rules and call counters), ``tokens`` (token and code shortcuts), ``acting`` (act as a user),
``webhooks`` (delivery log and modes) and ``invoice_page`` (the one HTML page).
"""

from __future__ import annotations

from flask import Blueprint

from sandbox.api.control import acting, faults, invoice_page, state, tokens, webhooks

# Each family has its own blueprint, nested here so the server registers one control API.
blueprint = Blueprint("control", __name__, url_prefix="/_sandbox")
blueprint.register_blueprint(state.blueprint)
blueprint.register_blueprint(faults.blueprint)
blueprint.register_blueprint(tokens.blueprint)
blueprint.register_blueprint(acting.blueprint)
blueprint.register_blueprint(webhooks.blueprint)
blueprint.register_blueprint(invoice_page.blueprint)
