"""error_from_response understands every family's error body (shapes from the reference, §9)."""

from __future__ import annotations

import json

import pytest
import requests

from connections.freshbooks import (
    AuthenticationError,
    FreshBooksError,
    InvalidGrant,
    NotFound,
    OAuthError,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationError,
    error_from_response,
)


def response(status: int, body, content_type: str = "application/json") -> requests.Response:
    built = requests.Response()
    built.status_code = status
    built._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    built.headers["Content-Type"] = content_type
    built.reason = "Reason"
    return built


def test_newer_accounting_401_reads_the_errno_from_error_info():
    body = {
        "code": 16,
        "message": "Request failed with status_code: 401",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "1003",
                "domain": "accounting.api.freshbooks.com",
                "metadata": {
                    "message": "The server could not verify that you are authorized.",
                    "field": None,
                },
            }
        ],
    }
    error = error_from_response(response(401, body))
    assert isinstance(error, AuthenticationError)
    assert (error.status, error.errno, error.field) == (401, 1003, None)
    assert error.message == "The server could not verify that you are authorized."


def test_older_events_field_violations_give_field_and_message():
    body = {
        "code": 3,
        "message": "Invalid data in this request.",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "uri", "description": "must be https"}],
            }
        ],
    }
    error = error_from_response(response(400, body))
    assert isinstance(error, ValidationError)
    assert (error.field, error.message) == ("uri", "must be https")


def test_time_entry_validation_with_root_error_has_no_field():
    body = {"errno": 2001, "error": {"__root__": "Logged entries must have a duration"}}
    error = error_from_response(response(422, body))
    assert isinstance(error, ValidationError)
    assert (error.errno, error.field) == (2001, None)
    assert error.message == "Logged entries must have a duration"


def test_write_access_denied_is_permission_denied():
    body = {
        "response": {
            "errors": [
                {
                    "errno": 1038,
                    "field": "due_date",
                    "message": "Write access denied for field due_date",
                }
            ]
        }
    }
    error = error_from_response(response(403, body))
    assert isinstance(error, PermissionDenied)
    assert (error.errno, error.field) == (1038, "due_date")


def test_bad_account_id_is_not_found():
    body = {"response": {"errors": [{"message": "Account not found", "errno": 404}]}}
    error = error_from_response(response(404, body))
    assert isinstance(error, NotFound)
    assert (error.errno, error.message) == (404, "Account not found")


def test_several_classic_errors_are_joined_with_their_fields():
    body = {
        "response": {
            "errors": [
                {"errno": 1001, "field": "customerid", "message": "Required."},
                {"errno": 1033, "field": "create_date", "message": "Not a date."},
            ]
        }
    }
    error = error_from_response(response(422, body))
    assert (error.errno, error.field) == (1001, "customerid")
    assert error.message == "customerid: Required.; create_date: Not a date."
    assert len(error.details) == 2


def test_invalid_grant_is_its_own_oauth_error():
    body = {
        "error": "invalid_grant",
        "error_description": "The provided authorization grant is invalid, expired, or revoked.",
    }
    error = error_from_response(response(400, body))
    assert isinstance(error, InvalidGrant)
    assert isinstance(error, OAuthError)
    assert error.error == "invalid_grant"
    assert error.error_description.startswith("The provided authorization grant")


def test_other_oauth_errors_carry_error_and_description():
    body = {"error": "invalid_request", "error_description": "Missing grant_type."}
    error = error_from_response(response(400, body))
    assert type(error) is OAuthError
    assert (error.error, error.error_description) == ("invalid_request", "Missing grant_type.")


def test_invalid_client_on_the_token_endpoint_is_an_oauth_error_not_an_expired_token():
    body = {"error": "invalid_client", "error_description": "Client authentication failed."}
    assert type(error_from_response(response(401, body), oauth_endpoint=True)) is OAuthError
    assert type(error_from_response(response(401, body))) is AuthenticationError


def test_online_payments_error_shape_gives_the_message():
    body = {"error_type": "forbidden", "message": "Not allowed."}
    error = error_from_response(response(403, body))
    assert isinstance(error, PermissionDenied)
    assert error.message == "Not allowed."


def test_429_becomes_rate_limited_with_retry_after():
    error = error_from_response(response(429, {}), retry_after=12.0)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 12.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_html_error_pages_on_5xx_are_server_errors(status):
    error = error_from_response(response(status, b"<html>Down</html>", "text/html"))
    assert isinstance(error, ServerError)
    assert error.message == "FreshBooks returned a non-JSON error page (text/html)"
    assert error.body == "<html>Down</html>"


def test_unexpected_status_falls_back_to_the_base_class():
    error = error_from_response(response(409, {"message": "being modified"}))
    assert type(error) is FreshBooksError
    assert str(error) == "HTTP 409: being modified"


def test_string_form_names_status_errno_and_field():
    body = {"response": {"errors": [{"errno": 1012, "field": "userid", "message": "Gone."}]}}
    assert (
        str(error_from_response(response(404, body))) == "HTTP 404, errno 1012, field userid: Gone."
    )


def test_secret_values_in_an_error_body_are_redacted():
    body = {"error": "invalid_token", "error_description": "bad", "access_token": "tok-SECRET"}
    error = error_from_response(response(401, body))
    assert "tok-SECRET" not in json.dumps(error.body)
    raw = b'{"refresh_token": "ref-SECRET", "oops"'
    assert "ref-SECRET" not in error_from_response(response(500, raw)).body
