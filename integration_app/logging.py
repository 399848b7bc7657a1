"""Structured logs: JSON lines in production, readable text in development, secrets masked.

Every record carries the context it was logged in: ``request_id`` in web processes (taken from a
sane incoming ``X-Request-ID`` header or generated, and echoed in the response), ``task_id`` and
``task_name`` in Celery workers (and the ``request_id`` of the request that queued the task).

Why the standard library and not django-structlog: every line we care about is already emitted
through :mod:`logging`, by Django (``django.request``, ``django.server``), Celery, gunicorn and our
own modules. A formatter, a filter, contextvars, one middleware and four Celery signals give all of
them the same JSON shape and context, in this one module and with no new dependency.
django-structlog would add structlog and django-ipware, give us a second logging API to teach, and
still need this stdlib bridge for the third-party records, which are most of what operators read.

``build_logging_config`` returns the ``LOGGING`` dict for ``settings.py``; the web process, the
Celery worker and beat (through Celery's ``setup_logging`` signal) and gunicorn
(``integration_app/gunicorn.conf.py``) all use it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from integration_app.redaction import mask_secrets

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as load balancers and tracing headers use; anything else
# (log injection, a novel, a secret pasted by mistake) is replaced by an id of our own.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
task_name_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "task_name", default=None
)

CONTEXT_FIELDS = ("request_id", "task_id", "task_name")

# Attributes every LogRecord has; anything else on a record was passed as ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))
) | {"message", "asctime", "taskName", *CONTEXT_FIELDS}
# ``extra`` values that are objects, not data (Django's request loggers attach the request).
_SKIPPED_EXTRAS = frozenset({"request", "server_time", "response"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The incoming id if it is short and plain enough to log as-is, else None."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return None


# --- Context --------------------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Copies the current request and task context onto every record a handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.task_name = task_name_var.get()
        return True


class SecretMaskingFilter(logging.Filter):
    """Masks webhook tokens and OAuth codes in a record's message and arguments.

    Applied to ``django.request`` and ``django.server`` (which log request paths and request lines:
    "Not Found: /webhooks/freshbooks/<token>/", '"GET /connections/oauth/callback/?code=..."') and
    to every handler, so no output of ours carries them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _mask_argument(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask_argument(value) for value in record.args)
        return True


def _mask_argument(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    # Objects are formatted with %s; format them now so their text is masked too.
    return mask_secrets(str(value))


# --- Formatters -------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
            "process": record.process,
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value:
                entry[field] = value
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry["http"] = _access_fields(record.args)
            entry.setdefault("request_id", _non_empty(record.args.get("{x-request-id}o")))
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in _SKIPPED_EXTRAS:
                entry[key] = _json_safe(value)
        if record.exc_info:
            entry["exception"] = mask_secrets(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = mask_secrets(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask_secrets(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def _non_empty(value: Any) -> Any:
    return None if value in (None, "", "-") else value


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    """Gunicorn's access-log atoms (already masked by its logger class) as named fields."""
    fields = {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "query": atoms.get("q"),
        "status": atoms.get("s"),
        "bytes": atoms.get("B"),
        "duration_ms": atoms.get("M"),
        "remote_addr": atoms.get("h"),
        "user_agent": atoms.get("a"),
    }
    return {key: value for key, value in fields.items() if _non_empty(value) is not None}


def _json_safe(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    return mask_secrets(str(value))


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message`` plus ``[request_id=... task=...]`` when there is context."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = mask_secrets(super().format(record))
        context = [
            f"{field}={getattr(record, field)}"
            for field in CONTEXT_FIELDS
            if getattr(record, field, None)
        ]
        if not context:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [{' '.join(context)}]{newline}{rest}"


# --- LOGGING -----------------------------------------------------------------------------------

LOG_FORMATS = ("json", "text")


def build_logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: one console handler on stderr, JSON or text, secrets masked."""
    formatter = "json" if log_format == "json" else "text"
    masked = {"level": "INFO", "filters": ["mask_secrets"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "integration_app.logging.ContextFilter"},
            "mask_secrets": {"()": "integration_app.logging.SecretMaskingFilter"},
        },
        "formatters": {
            "json": {"()": "integration_app.logging.JsonFormatter"},
            "text": {"()": "integration_app.logging.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context", "mask_secrets"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (DEBUG only) would print every django.* line a second
            # time, unformatted; its records go to the root handler like everyone else's.
            "django": {"level": "INFO", "handlers": []},
            "django.db.backends": {"level": "INFO"},
            # Both log request paths and request lines, so the filter runs on the logger itself:
            # every handler (Sentry's breadcrumbs included) then sees the masked record.
            "django.request": {**masked, "propagate": True},
            # runserver's request lines; our handler instead of Django's own, masked.
            "django.server": {**masked, "handlers": ["console"], "propagate": False},
        },
    }


def gunicorn_logging_config(*, log_format: str) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its error and access logs in the same format as the app's.

    The access log goes to stdout and the error log to stderr, as gunicorn does by default.
    """
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask_secrets": {"()": "integration_app.logging.SecretMaskingFilter"}},
        "formatters": {
            "json": {"()": "integration_app.logging.JsonFormatter"},
            "text": {"()": "integration_app.logging.TextFormatter"},
            "access": {"format": "%(message)s"},
        },
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["mask_secrets"],
                "stream": "ext://sys.stderr",
            },
            "access_console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "access",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": "INFO", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access_console"],
                "propagate": False,
            },
        },
    }


# --- Web requests ------------------------------------------------------------------------------


class RequestIdMiddleware:
    """First middleware: binds the request id for everything logged while handling the request.

    The id comes from ``X-Request-ID`` when a proxy or client sent a sane one, so one id follows a
    request through the load balancer, gunicorn's access log, the app's logs and Sentry; otherwise
    a new one. Either way it is echoed in the response's ``X-Request-ID`` header.

    The id stays bound until Django's ``request_finished`` signal, not just until this middleware
    returns: Django logs 4xx responses ("Not Found: ...") after the middleware chain has returned.
    """

    def __init__(self, get_response: Callable):
        self.get_response = get_response
        from django.core.signals import request_finished

        request_finished.connect(_unbind_request_id, dispatch_uid="integration_app.request_id")

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _unbind_request_id(**kwargs: Any) -> None:
    request_id_var.set(None)


# --- Celery --------------------------------------------------------------------------------------

_TASK_TOKENS: dict[str, list[contextvars.Token]] = {}


def celery_before_task_publish(headers: dict | None = None, **kwargs: Any) -> None:
    """Carry the current request id to the task, so the worker's lines share it."""
    request_id = request_id_var.get()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


def celery_task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id = sane_request_id(getattr(getattr(task, "request", None), "request_id", None))
    _TASK_TOKENS[task_id or ""] = [
        task_id_var.set(task_id),
        task_name_var.set(getattr(task, "name", None)),
        # A task run inline (eager, or called directly) keeps the caller's request id.
        request_id_var.set(request_id or request_id_var.get()),
    ]


def celery_task_postrun(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _TASK_TOKENS.pop(task_id or "", None)
    if tokens:
        for variable, token in zip(
            (task_id_var, task_name_var, request_id_var), tokens, strict=True
        ):
            variable.reset(token)


def configure_from_settings(**kwargs: Any) -> None:
    """Celery's ``setup_logging`` handler: use Django's ``LOGGING`` instead of Celery's own."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
