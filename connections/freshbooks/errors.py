"""Typed FreshBooks errors and one parser that understands every family's error body.

FreshBooks answers errors in at least seven shapes depending on which service handled the call
(accounting classic and newer, projects/time tracking/comments, events, auth, ledger, payments).
Callers should only ever see one of the classes below, each carrying the HTTP status, the errno,
the offending field and a human message.
"""

from __future__ import annotations

import json
import re
from typing import Any, NotRequired, TypedDict

import requests

BODY_LIMIT = 2000
_TOKEN_KEY = re.compile(r"token|secret|verifier|password", re.IGNORECASE)
_REDACTED = "[redacted]"
_TOKEN_IN_TEXT = re.compile(r'("[^"]*(?:token|secret|verifier|password)[^"]*"\s*:\s*)"[^"]*"', re.I)
_OAUTH_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")


class ErrorDetail(TypedDict):
    """One problem named by an error body; `field` is FreshBooks' name for the offending field."""

    errno: int | None
    field: str | None
    message: str


class ParsedError(TypedDict):
    """What `parse_error_body` makes of any error body; the `oauth_*` keys only for OAuth errors."""

    errno: int | None
    field: str | None
    message: str
    details: list[ErrorDetail]
    oauth_error: NotRequired[str]
    oauth_description: NotRequired[str]


class FreshBooksError(Exception):
    """Base class: every failure talking to FreshBooks."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errno: int | None = None,
        field: str | None = None,
        body: Any = None,
        details: list[ErrorDetail] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errno = errno
        self.field = field
        self.body = body
        self.details = details or []

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.errno is not None:
            parts.append(f"errno {self.errno}")
        if self.field:
            parts.append(f"field {self.field}")
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, errno={self.errno!r}, "
            f"field={self.field!r}, message={self.message!r})"
        )


class AuthenticationError(FreshBooksError):
    """401: the access token was rejected."""


class OAuthError(FreshBooksError):
    """The OAuth token endpoint refused a grant (carries the RFC 6749 `error` code)."""

    def __init__(
        self, message: str, *, error: str = "", error_description: str = "", **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.error = error
        self.error_description = error_description


class InvalidGrant(OAuthError):
    """400 invalid_grant: the refresh token was spent, revoked or never valid."""


class PermissionDenied(FreshBooksError):
    """403: missing scope or write access denied (errno 1038)."""


class NotFound(FreshBooksError):
    """404: the object does not exist or the id belongs to another account/business."""


class ValidationError(FreshBooksError):
    """400/422 outside OAuth: FreshBooks refused the data."""


class RateLimited(FreshBooksError):
    """429, or the shared rate gate could not admit the call in time."""

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(FreshBooksError):
    """5xx from FreshBooks or a proxy in front of it."""


class TransportError(FreshBooksError):
    """No HTTP response: connection failure or timeout.

    `maybe_sent` is True when the request may have reached FreshBooks (e.g. a read timeout),
    so a non-idempotent call must be reconciled before it is repeated.
    """

    def __init__(self, message: str, *, maybe_sent: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.maybe_sent = maybe_sent


class MalformedResponse(FreshBooksError):
    """The body was not JSON (e.g. an HTML error page) or not the expected shape."""


def redact(value: Any) -> Any:
    """Replace secrets in a parsed body so it can be kept on an exception or logged."""
    if isinstance(value, dict):
        return {
            key: _REDACTED if _TOKEN_KEY.search(str(key)) and item else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _joined(details: list[ErrorDetail]) -> str:
    """One message for one problem; `field: message` pairs when there are several."""
    if len(details) == 1:
        return details[0]["message"]
    return "; ".join(
        f"{detail['field']}: {detail['message']}" if detail["field"] else detail["message"]
        for detail in details
        if detail["message"]
    )


def _first_errno(details: list[ErrorDetail]) -> int | None:
    return next((detail["errno"] for detail in details if detail["errno"] is not None), None)


def _first_field(details: list[ErrorDetail]) -> str | None:
    return next((detail["field"] for detail in details if detail["field"] is not None), None)


def _field_details(fields: dict[str, Any]) -> list[ErrorDetail]:
    """Projects-family `error` dict: `{"title": "field required", "__root__": "..."}`."""
    return [
        {"errno": None, "field": None if name == "__root__" else name, "message": str(text)}
        for name, text in fields.items()
    ]


def _classic_details(errors: list[Any]) -> list[ErrorDetail]:
    return [
        {
            "errno": _as_int(error.get("errno")),
            "field": error.get("field"),
            "message": str(error.get("message", "")),
        }
        for error in errors
        if isinstance(error, dict)
    ]


def _string_detail(text: str) -> ErrorDetail:
    """Events details such as `"event: Value error, Unrecognized event."`."""
    name, separator, rest = text.partition(": ")
    if separator and rest and re.fullmatch(r"[A-Za-z_][\w.]*", name):
        return {"errno": None, "field": name, "message": rest}
    return {"errno": None, "field": None, "message": text}


def _structured_details(items: list[Any]) -> list[ErrorDetail]:
    """`details[]` of the newer accounting (ErrorInfo), older events (BadRequest) and ledger."""
    details: list[ErrorDetail] = []
    for item in items:
        if isinstance(item, str):
            details.append(_string_detail(item))
            continue
        if not isinstance(item, dict):
            continue
        raw_metadata = item.get("metadata")
        metadata = raw_metadata if isinstance(raw_metadata, dict) else {}
        violations = [v for v in item.get("fieldViolations") or [] if isinstance(v, dict)]
        for violation in violations:
            details.append(
                {
                    "errno": None,
                    "field": violation.get("field"),
                    "message": str(violation.get("description", "")),
                }
            )
        if violations:
            continue
        details.append(
            {
                "errno": _as_int(item.get("reason")),
                "field": metadata.get("field"),
                "message": str(metadata.get("message") or item.get("reason") or ""),
            }
        )
    return details


def parse_error_body(body: Any) -> ParsedError:
    """Normalise any FreshBooks error body into errno/field/message/details (+ OAuth codes)."""
    result: ParsedError = {"errno": None, "field": None, "message": "", "details": []}
    if not isinstance(body, dict):
        return result
    response = body.get("response")
    error = body.get("error")
    details: list[ErrorDetail] = []
    fallback = ""
    if isinstance(response, dict) and isinstance(response.get("errors"), list):
        details = _classic_details(response["errors"])
    elif isinstance(body.get("errors"), dict):
        details = _structured_details(body["errors"].get("details") or [])
        fallback = str(body["errors"].get("message", ""))
    elif isinstance(error, str) and ("error_description" in body or _OAUTH_CODE.fullmatch(error)):
        description = str(body.get("error_description") or "")
        result["message"] = description or error
        result["oauth_error"] = error
        result["oauth_description"] = description
        return result
    elif isinstance(error, dict):
        details = _field_details(error)
    elif isinstance(error, str):
        fallback = error
    elif isinstance(body.get("details"), list):
        details = _structured_details(body["details"])
        fallback = str(body.get("message", ""))
    elif "message" in body:
        fallback = str(body["message"])
    errno = _as_int(body.get("errno"))
    result["errno"] = errno if errno is not None else _first_errno(details)
    result["field"] = _first_field(details)
    result["message"] = _joined(details) or fallback
    result["details"] = details
    return result


def _error_class(
    status: int | None, oauth_error: str | None, oauth_endpoint: bool
) -> type[FreshBooksError]:
    if oauth_error == "invalid_grant":
        return InvalidGrant
    if oauth_error and (oauth_endpoint or status == 400):
        return OAuthError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimited
    if status is not None and status >= 500:
        return ServerError
    return FreshBooksError


def _kept_body(parsed: Any, text: str) -> Any:
    if parsed is not None:
        parsed = redact(parsed)
        if len(json.dumps(parsed)) <= BODY_LIMIT:
            return parsed
        return json.dumps(parsed)[:BODY_LIMIT]
    return _TOKEN_IN_TEXT.sub(r'\1"[redacted]"', text)[:BODY_LIMIT]


def decode_json(response: requests.Response) -> Any:
    """The parsed body, or None when it is not JSON."""
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def error_from_response(
    response: requests.Response,
    *,
    retry_after: float | None = None,
    oauth_endpoint: bool = False,
) -> FreshBooksError:
    """Build the typed error for a failed HTTP response (never raises).

    `oauth_endpoint` makes any `{"error": ...}` body an OAuthError whatever the status
    (the token endpoint answers `invalid_client` with 401, which is not an expired access token).
    """
    status = response.status_code
    parsed = decode_json(response)
    text = response.text if parsed is None else ""
    fields = parse_error_body(parsed)
    oauth_error = fields.get("oauth_error")
    message = fields["message"]
    if not message:
        if parsed is None and response.content:
            content_type = response.headers.get("Content-Type", "unknown content type")
            message = f"FreshBooks returned a non-JSON error page ({content_type})"
        else:
            message = response.reason or "FreshBooks returned an error without a message"
    error_class = _error_class(status, oauth_error, oauth_endpoint)
    kwargs: dict[str, Any] = {
        "status": status,
        "errno": fields["errno"],
        "field": fields["field"],
        "body": _kept_body(parsed, text),
        "details": fields["details"],
    }
    if issubclass(error_class, OAuthError):
        kwargs["error"] = oauth_error or ""
        kwargs["error_description"] = fields.get("oauth_description", "")
    if error_class is RateLimited:
        kwargs["retry_after"] = retry_after if retry_after is not None else 0.0
    return error_class(message, **kwargs)


def malformed(response: requests.Response, reason: str) -> MalformedResponse:
    """A successful status whose body cannot be used."""
    content_type = response.headers.get("Content-Type", "unknown content type")
    return MalformedResponse(
        f"{reason} (HTTP {response.status_code}, {content_type})",
        status=response.status_code,
        body=_kept_body(decode_json(response), response.text),
    )
