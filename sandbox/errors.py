"""Error bodies, one shape per FreshBooks API family (reference §9).

| family | body |
| --- | --- |
| accounting | ``{"response":{"errors":[{"errno","field","message","object","value"}]}}``; with an
  ``X-API-VERSION`` or ``Api-Version`` request header, the newer google.rpc shape |
| projects (also time tracking, comments) | ``{"errno":2001,"error":{field: msg}}`` for validation,
  ``{"error": msg}`` otherwise, ``{"message": ...}`` for 401 |
| events | ``{"errno","message"[,"details"]}`` |
| auth, oauth | ``{"error","error_description"}`` |
| control | ``{"error","message"[,"fields"]}`` |

Choices where the reference is UNCONFIRMED: a missing scope is 403 in the family's shape with a
message listing provided and required scopes (accounting errno 1003); a business or account the
caller is not a staff member of is 404 (accounting: errno 404 "Account not found", as seen live);
accounting parse errors are 400 errno 1005; validation is 422; the 429 body is the family's usual
shape with "Rate limit exceeded.".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNTING = "accounting"
PROJECTS = "projects"
EVENTS = "events"
AUTH = "auth"
CONTROL = "control"

NOT_AUTHORIZED_MESSAGE = (
    "The server could not verify that you are authorized to access the URL requested. You either "
    "supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how "
    "to supply the credentials required."
)
NOT_FOUND_MESSAGE = "Requested resource could not be found."

# gRPC status codes used by the newer accounting error format.
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 422: 3, 429: 8, 500: 13, 503: 14}

# Accounting errnos (reference §9) for each kind of field problem.
_ACCOUNTING_ERRNOS = {
    "required": 1001,
    "invalid": 1004,
    "number": 1015,
    "datetime": 1016,
    "boolean": 1031,
    "date": 1033,
    "deleted": 1011,
    "unknown": 1012,
    "read_only": 1038,
    "client_name": 7012,
}


@dataclass(frozen=True)
class FieldError:
    kind: str
    message: str
    value: Any = None


class ValidationFailed(Exception):
    """Field problems found by a store function; each family renders them its own way."""

    def __init__(self, errors: dict[str, FieldError], object_name: str):
        super().__init__(", ".join(f"{field}: {error.message}" for field, error in errors.items()))
        self.errors = errors
        self.object_name = object_name


class NotFound(Exception):
    """An object that does not exist, or exists for somebody else."""

    def __init__(self, object_name: str, field: str = "id", value: Any = None):
        super().__init__(f"{object_name} {value} not found")
        self.object_name = object_name
        self.field = field
        self.value = value


class ApiError(Exception):
    """A finished HTTP error response."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def family_for_path(path: str) -> str:
    if path.startswith("/accounting/"):
        return ACCOUNTING
    if path.startswith("/events/"):
        return EVENTS
    if path.startswith(("/projects/", "/timetracking/", "/comments/")):
        return PROJECTS
    if path.startswith("/_sandbox/"):
        return CONTROL
    return AUTH


def accounting_body(status: int, errors: list[dict], *, newer_format: bool) -> dict:
    if not newer_format:
        return {"response": {"errors": errors}}
    details = []
    for error in errors:
        metadata = {
            key: str(error[key])
            for key in ("object", "message", "value", "field")
            if error.get(key) is not None
        }
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": str(error["errno"]),
                "domain": "accounting.api.freshbooks.com",
                "metadata": metadata,
            }
        )
    return {
        "code": _GRPC_CODES.get(status, 2),
        "message": f"Request failed with status_code: {status}",
        "details": details,
    }


def accounting_error(
    status: int,
    errno: int,
    message: str,
    *,
    newer_format: bool,
    field: str | None = None,
    object_name: str | None = None,
    value: Any = None,
) -> ApiError:
    error: dict[str, Any] = {"errno": errno, "field": field, "message": message}
    error["object"] = object_name
    error["value"] = None if value is None else str(value)
    return ApiError(status, accounting_body(status, [error], newer_format=newer_format))


def unauthorized(family: str, *, newer_format: bool = False) -> ApiError:
    if family == ACCOUNTING:
        return accounting_error(401, 1003, NOT_AUTHORIZED_MESSAGE, newer_format=newer_format)
    if family == PROJECTS:
        return ApiError(401, {"message": NOT_AUTHORIZED_MESSAGE})
    if family == EVENTS:
        return ApiError(
            401,
            {
                "errno": 401,
                "message": "invalid_token: The request token failed to authenticate or validate.",
            },
        )
    return ApiError(
        401,
        {
            "error": "unauthenticated",
            "error_description": "This action requires authentication to continue.",
        },
    )


def missing_scope(
    family: str, required: str, provided: list[str], *, newer_format: bool = False
) -> ApiError:
    message = (
        f"Insufficient scope. Required: {required}. Provided: {' '.join(provided) or '(none)'}."
    )
    if family == ACCOUNTING:
        return accounting_error(403, 1003, message, newer_format=newer_format)
    if family == PROJECTS:
        return ApiError(403, {"error": message})
    if family == EVENTS:
        return ApiError(403, {"errno": 403, "message": message})
    return ApiError(403, {"error": "insufficient_scope", "error_description": message})


def not_found(
    family: str, error: NotFound | None = None, *, newer_format: bool = False
) -> ApiError:
    if family == ACCOUNTING:
        if error is None:
            return accounting_error(404, 404, "Account not found", newer_format=newer_format)
        return accounting_error(
            404,
            1012,
            f"{error.object_name.replace('_', ' ').capitalize()} not found.",
            newer_format=newer_format,
            field=error.field,
            object_name=error.object_name,
            value=error.value,
        )
    if family == PROJECTS:
        return ApiError(404, {"error": NOT_FOUND_MESSAGE})
    if family == EVENTS:
        return ApiError(404, {"errno": 404, "message": NOT_FOUND_MESSAGE})
    if family == CONTROL:
        message = str(error) if error else "not found"
        return ApiError(404, {"error": "not_found", "message": message})
    return ApiError(404, {"error": "not_found", "error_description": NOT_FOUND_MESSAGE})


def validation(family: str, failure: ValidationFailed, *, newer_format: bool = False) -> ApiError:
    errors = failure.errors
    if family == ACCOUNTING:
        status = 403 if any(e.kind == "read_only" for e in errors.values()) else 422
        items = [
            {
                "errno": _ACCOUNTING_ERRNOS.get(error.kind, 1004),
                "field": None if field == "__root__" else field,
                "message": error.message,
                "object": failure.object_name,
                "value": None if error.value is None else str(error.value),
            }
            for field, error in errors.items()
        ]
        return ApiError(status, accounting_body(status, items, newer_format=newer_format))
    if family == PROJECTS:
        return ApiError(
            422, {"errno": 2001, "error": {field: e.message for field, e in errors.items()}}
        )
    if family == EVENTS:
        return ApiError(
            422,
            {
                "errno": 422,
                "message": "The request was well-formed but was unable to be followed due to "
                "semantic errors.",
                "details": [f"{field}: {error.message}" for field, error in errors.items()],
            },
        )
    if family == CONTROL:
        return ApiError(
            422,
            {
                "error": "validation_failed",
                "message": str(failure),
                "fields": {field: error.message for field, error in errors.items()},
            },
        )
    first_field, first = next(iter(errors.items()))
    return ApiError(
        422,
        {
            "error": "invalid_resource",
            "error_description": f"Validation failed: {first_field} {first.message}",
        },
    )


def malformed_body(family: str, *, newer_format: bool = False) -> ApiError:
    message = "Could not parse the request body as a JSON object."
    if family == ACCOUNTING:
        return accounting_error(400, 1005, message, newer_format=newer_format)
    if family == PROJECTS:
        return ApiError(422, {"errno": 2001, "error": {"__root__": message}})
    if family == EVENTS:
        return ApiError(
            422,
            {
                "errno": 422,
                "message": "The request was well-formed but was unable to be followed due to "
                "semantic errors.",
                "details": [f"body: {message}"],
            },
        )
    if family == CONTROL:
        return ApiError(400, {"error": "malformed_body", "message": message})
    return ApiError(400, {"error": "invalid_request", "error_description": message})


def generic(
    family: str, status: int, message: str, *, newer_format: bool = False, errno: int | None = None
) -> ApiError:
    """An error with no field: rate limits, server errors, unknown routes, bad methods."""
    if family == ACCOUNTING:
        return accounting_error(status, errno or status, message, newer_format=newer_format)
    if family == PROJECTS:
        return ApiError(status, {"error": message})
    if family == EVENTS:
        return ApiError(status, {"errno": errno or status, "message": message})
    if family == CONTROL:
        return ApiError(status, {"error": "error", "message": message})
    return ApiError(status, {"error": _auth_error_code(status), "error_description": message})


def _auth_error_code(status: int) -> str:
    return {
        400: "invalid_request",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
        504: "timeout",
    }.get(status, "server_error")
