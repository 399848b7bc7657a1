"""The Flask app and the threaded werkzeug server that serves it.

Every FreshBooks route passes through two hooks: before the view, the call is counted (per
``"METHOD /route/{pattern}"``) and fault rules are applied; after it, ``phase: "after"`` faults
replace or cut the already-committed response. Unknown routes, wrong methods and unexpected errors
answer in the family's error shape, never as HTML.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import struct
import threading
import time
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map
from werkzeug.serving import make_server

from sandbox import errors
from sandbox.api import accounting, callbacks, comments, control, identity, oauth, projects
from sandbox.api import expenses as expenses_api
from sandbox.api import taxes as taxes_api
from sandbox.api import time_entries as time_entries_api
from sandbox.api.common import newer_format
from sandbox.config import SandboxConfig
from sandbox.db import Database
from sandbox.errors import ApiError, NotFound, ValidationFailed
from sandbox.faults import FaultRule
from sandbox.keepalive import KeepAliveRequestHandler
from sandbox.runtime import Sandbox
from sandbox.seed.build import seed_default_if_empty
from sandbox.validation import LARGEST_ID

logger = logging.getLogger("sandbox")

UNCOUNTED = ("/healthz", "/_sandbox/")
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class ResetConnection(BaseException):  # noqa: N818 - a signal to the server, not an error
    """Raised by a ``reset`` fault; the request handler answers it with a TCP reset.

    A BaseException so that Flask's error handling lets it through to the server.
    """


def route_key(method: str, rule: str | None) -> str:
    """``GET /timetracking/business/<int:bid>/time_entries`` → ``{bid}`` placeholders."""
    if rule is None:
        return f"{method} (unmatched)"

    def name(match: re.Match) -> str:
        variable = match.group(1)
        if variable in ("bid", "business_id"):
            return "{bid}"
        if variable in ("account_id", "identity_id", "pid", "sid"):
            return "{" + variable + "}"
        if variable.endswith("_id"):
            return "{id}"
        return "{" + variable.removeprefix("member_") + "}"

    return f"{method} {_VARIABLE.sub(name, rule)}"


def _error_response(error: ApiError) -> Response:
    response = jsonify(error.body)
    response.status_code = error.status
    for header, value in error.headers.items():
        response.headers[header] = value
    return response


def _fault_response(rule: FaultRule, status: int | None = None) -> Response:
    status = status or rule.status
    family = errors.family_for_path(request.path)
    if rule.body is not None:
        response = jsonify(rule.body)
        response.status_code = status
    else:
        message = {
            429: "Rate limit exceeded.",
            504: "The server did not answer in time.",
        }.get(status, "An unexpected error occurred." if status >= 500 else "Request failed.")
        response = _error_response(
            errors.generic(family, status, message, newer_format=newer_format())
        )
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    return response


def _apply_before(rules: list[FaultRule]) -> Response | None:
    for rule in rules:
        if rule.kind == "latency":
            time.sleep(rule.latency_ms / 1000)
    for rule in rules:
        if rule.phase != "before" or rule.kind == "latency":
            continue
        if rule.kind == "status":
            return _fault_response(rule)
        if rule.kind == "reset":
            raise ResetConnection
        if rule.kind == "timeout":
            time.sleep(rule.timeout_s)
            return _fault_response(rule, 504)
    return None


def _apply_after(rules: list[FaultRule], response: Response) -> Response:
    for rule in rules:
        if rule.kind == "status":
            return _fault_response(rule)
        if rule.kind == "reset":
            raise ResetConnection
        if rule.kind == "timeout":
            time.sleep(rule.timeout_s)
            return response
    return response


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` in routes, refusing ids larger than SQLite can hold (they 404)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: SandboxConfig, database: Database | None = None) -> Flask:
    app = Flask("sandbox")
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json.sort_keys = False
    sandbox = Sandbox(config, database or Database(config.state_path))
    app.extensions["sandbox"] = sandbox

    for module in (
        oauth,
        identity,
        accounting,
        expenses_api,
        taxes_api,
        callbacks,
        projects,
        time_entries_api,
        comments,
    ):
        app.register_blueprint(module.blueprint)
    if config.control:
        app.register_blueprint(control.blueprint)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.before_request
    def count_and_fault() -> Response | None:
        g.after_faults = []
        if request.path.startswith(UNCOUNTED):
            return None
        rule = request.url_rule.rule if request.url_rule else None
        sandbox.calls.record(route_key(request.method, rule))
        fired = sandbox.faults.fire(request.method, request.path)
        g.after_faults = [r for r in fired if r.phase == "after" and r.kind != "latency"]
        return _apply_before(fired)

    @app.after_request
    def late_faults(response: Response) -> Response:
        after = getattr(g, "after_faults", [])
        return _apply_after(after, response) if after else response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return _error_response(error)

    @app.errorhandler(ValidationFailed)
    def validation_failed(error: ValidationFailed):
        family = errors.family_for_path(request.path)
        return _error_response(errors.validation(family, error, newer_format=newer_format()))

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        family = errors.family_for_path(request.path)
        return _error_response(errors.not_found(family, error, newer_format=newer_format()))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        family = errors.family_for_path(request.path)
        message = {
            404: "Requested resource could not be found.",
            405: f"The method {request.method} is not allowed for this URL.",
        }.get(error.code or 500, error.description or "Request failed.")
        return _error_response(
            errors.generic(family, error.code or 500, message, newer_format=newer_format())
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        logger.exception("unexpected error on %s %s", request.method, request.path)
        family = errors.family_for_path(request.path)
        return _error_response(
            errors.generic(
                family, 500, "An unexpected error occurred.", newer_format=newer_format()
            )
        )

    return app


class SandboxRequestHandler(KeepAliveRequestHandler):
    """Keeps connections alive, turns ``ResetConnection`` into a TCP RST and keeps request logs
    optional."""

    log_requests = False

    def handle(self) -> None:
        try:
            super().handle()
        except ResetConnection:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if self.log_requests:
            super().log_request(code, size)


def serve(config: SandboxConfig) -> None:
    """Run until SIGINT or SIGTERM: seed if asked, print the URL, serve, stop cleanly."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(config)
    sandbox: Sandbox = app.extensions["sandbox"]
    if config.seed == "default":
        summary = seed_default_if_empty(sandbox.db)
        if summary is not None:
            emails = ", ".join(user["email"] for user in summary["users"])
            logger.info("seeded the default data set (users: %s)", emails)
    handler = type("Handler", (SandboxRequestHandler,), {"log_requests": config.log_requests})
    server = make_server(config.host, config.port, app, threaded=True, request_handler=handler)
    server.daemon_threads = True
    sandbox.start()

    def stop(_signum: int, _frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"FreshBooks sandbox listening on http://{config.host}:{server.port}", flush=True)  # noqa: T201
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sandbox.stop()
