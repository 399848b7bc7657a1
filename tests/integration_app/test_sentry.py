"""Sentry: off without SENTRY_DSN; on, no token, code, verifier or auth header ever leaves."""

import json
import os
import textwrap

from integration_app.redaction import MASK
from integration_app.sentry import before_breadcrumb, before_send
from tests.integration_app.test_configuration import _manage

SECRETS = (
    "SECRETCODE",
    "SECRETSTATE",
    "SECRETTOKEN",
    "SECRETACCESS",
    "SECRETREFRESH",
    "SECRETBEARER",
    "SECRETVERIFIER",
    "SECRETCLIENT",
)


def _django_error_event() -> dict:
    """Shaped like what the SDK's Django integration builds for an error in the OAuth callback."""
    return {
        "level": "error",
        "platform": "python",
        "transaction": "/connections/oauth/callback/",
        "logentry": {
            "message": "Internal Server Error: %s",
            "params": ["/connections/oauth/callback/"],
        },
        "request": {
            "url": "https://billing.example.com/connections/oauth/callback/",
            "method": "GET",
            "query_string": "code=SECRETCODE&state=SECRETSTATE",
            "headers": {
                "Host": "billing.example.com",
                "Authorization": "Bearer SECRETBEARER",
                "Referer": "https://auth.freshbooks.com/oauth/authorize?state=SECRETSTATE",
                "User-Agent": "Mozilla/5.0",
                "X-Request-Id": "req-1",
            },
            "env": {"SERVER_NAME": "billing.example.com", "SERVER_PORT": "443"},
        },
        "exception": {
            "values": [
                {
                    "type": "OAuthError",
                    "value": "POST /auth/oauth/token failed: "
                    '{"error": "invalid_grant", "code": "SECRETCODE"}',
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "oauth_callback",
                                "module": "connections.views",
                                "vars": {
                                    "request": "<WSGIRequest: GET '/connections/oauth/callback/"
                                    "?code=SECRETCODE&state=SECRETSTATE'>",
                                },
                            },
                            {
                                "function": "oauth_complete",
                                "module": "connections.services.oauth",
                                "vars": {
                                    "code": "'SECRETCODE'",
                                    "user": "<User: ada@example.com>",
                                    "body": "{'grant_type': 'authorization_code', "
                                    "'client_secret': 'SECRETCLIENT', 'code': 'SECRETCODE'}",
                                    "response": '{"access_token": "SECRETACCESS", '
                                    '"refresh_token": "SECRETREFRESH", "expires_in": 43200}',
                                },
                            },
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "type": "http",
                    "category": "httplib",
                    "data": {
                        "url": "https://api.freshbooks.com/auth/oauth/token",
                        "method": "POST",
                        "status_code": 400,
                        "http.query": "",
                    },
                },
                {
                    "type": "log",
                    "category": "django.request",
                    "level": "warning",
                    "message": "Not Found: /webhooks/freshbooks/SECRETTOKEN/",
                },
            ]
        },
        "extra": {
            "subscription": {"pending_verifier": "SECRETVERIFIER", "callback_id": 77},
            "webhook_token": "SECRETTOKEN",
        },
    }


def test_before_send_removes_every_secret_from_a_django_error_event():
    event = before_send(_django_error_event(), {})

    text = json.dumps(event)
    for secret in SECRETS:
        assert secret not in text, secret
    # What an operator needs stays.
    assert event["request"]["url"] == "https://billing.example.com/connections/oauth/callback/"
    assert event["request"]["query_string"] == "code=****&state=****"
    assert event["request"]["headers"]["Authorization"] == MASK
    assert event["request"]["headers"]["User-Agent"] == "Mozilla/5.0"
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert [frame["function"] for frame in frames] == ["oauth_callback", "oauth_complete"]
    assert frames[1]["vars"]["code"] == MASK
    assert frames[1]["vars"]["user"] == "<User: ada@example.com>"
    assert '"error": "invalid_grant"' in event["exception"]["values"][0]["value"]
    assert event["breadcrumbs"]["values"][1]["message"] == "Not Found: /webhooks/freshbooks/****/"
    assert event["extra"]["subscription"] == {"pending_verifier": MASK, "callback_id": 77}


def test_before_send_scrubs_a_webhook_verification_body_and_path():
    event = {
        "transaction": "/webhooks/freshbooks/{token}/",
        "request": {
            "url": "https://billing.example.com/webhooks/freshbooks/SECRETTOKEN/",
            "method": "POST",
            "data": {"name": "callback.verify", "object_id": "42", "verifier": "SECRETVERIFIER"},
        },
        "contexts": {"trace": {"op": "http.server"}},
    }

    scrubbed = before_send(event, {})

    assert scrubbed["request"]["url"] == "https://billing.example.com/webhooks/freshbooks/****/"
    assert scrubbed["request"]["data"] == {
        "name": "callback.verify",
        "object_id": "42",
        "verifier": MASK,
    }
    assert scrubbed["transaction"] == "/webhooks/freshbooks/{token}/"


def test_breadcrumbs_are_scrubbed_before_they_are_kept():
    crumb = {
        "type": "http",
        "category": "httplib",
        "data": {
            "url": "https://billing.example.com/connections/oauth/callback/",
            "http.query": "code=SECRETCODE&state=SECRETSTATE",
            "method": "GET",
        },
    }
    log_crumb = {"category": "django.server", "message": '"POST /webhooks/freshbooks/SECRETTOKEN/'}

    assert before_breadcrumb(crumb, {})["data"]["http.query"] == "code=****&state=****"
    assert "SECRETTOKEN" not in before_breadcrumb(log_crumb, {})["message"]


# --- Switched by SENTRY_DSN, through the real SDK ------------------------------------------------

_SDK_STATE = (
    "import sentry_sdk; c = sentry_sdk.get_client(); "
    "print(c.is_active(), sorted(c.integrations) if c.is_active() else [], "
    "c.options.get('send_default_pii'), getattr(c.options.get('before_send'), '__module__', None))"
)


def test_sentry_is_off_without_a_dsn():
    result = _manage("shell", "-c", _SDK_STATE, env={"APP_ENV": "development"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("False [] ")


def test_a_dsn_turns_on_django_and_celery_integrations_without_personal_data():
    env = {"APP_ENV": "development", "SENTRY_DSN": "http://public@127.0.0.1:9/1"}

    result = _manage("shell", "-c", _SDK_STATE, env=env)

    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("True [")
    assert "'celery'" in line and "'django'" in line
    assert line.endswith("False integration_app.sentry")


def test_a_malformed_dsn_stops_start_up_with_one_line():
    result = _manage("check", env={"APP_ENV": "development", "SENTRY_DSN": "not a url"})

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: SENTRY_DSN must be a URL")


# Runs in a process of its own with SENTRY_DSN set. The request goes through Django's WSGI
# application, as under gunicorn (Sentry reads the request from the WSGI environ); the event goes
# to a transport that keeps it instead of sending it.
_CAPTURE_AN_ERROR = textwrap.dedent(
    """
    import io, json, logging, wsgiref.util
    from unittest import mock
    import sentry_sdk
    from sentry_sdk.transport import Transport
    from django.core.wsgi import get_wsgi_application

    sent = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            sent.append(envelope.serialize().decode("utf-8", "replace"))

    client = sentry_sdk.get_client()
    client.transport = Capture(client.options)

    def failing_ingest(**kwargs):
        logging.getLogger("connections.services.oauth").warning(
            "FreshBooks refused an authorization code: code=SECRETCODE"
        )
        raise RuntimeError("ingest failed")

    body = b"name=callback.verify&object_id=42&verifier=SECRETVERIFIER"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/freshbooks/SECRETTOKEN/",
        "QUERY_STRING": "code=SECRETCODE&state=SECRETSTATE",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": "Bearer SECRETBEARER",
        "HTTP_X_REQUEST_ID": "req-sentry-1",
        "SERVER_NAME": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
    }
    wsgiref.util.setup_testing_defaults(environ)
    statuses = []
    with mock.patch(
        "connections.webhooks.views.webhook_delivery_receive",
        side_effect=failing_ingest,
    ):
        app = get_wsgi_application()
        b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    sentry_sdk.flush()
    print("RESULT " + json.dumps({"status": statuses[0], "sent": sent}))
    """
)


def test_an_error_in_the_webhook_view_reaches_sentry_without_its_secrets():
    env = {
        **{key: value for key, value in os.environ.items() if key.startswith(("APP_", "REDIS"))},
        "APP_ENV": "test",
        "SENTRY_DSN": "http://public@127.0.0.1:9/1",
    }

    result = _manage("shell", "-c", _CAPTURE_AN_ERROR, env=env)

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert outcome["status"].startswith("500")
    envelopes = "\n".join(outcome["sent"])
    events = [
        json.loads(line)
        for line in envelopes.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    assert events, envelopes[:2000]
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["transaction"] == "/webhooks/freshbooks/{token}/"
    assert event["request"]["url"].endswith("/webhooks/freshbooks/****/")
    assert event["request"]["query_string"] == "code=****&state=****"
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert "user" not in event or "ip_address" not in event["user"]
    for secret in ("SECRETCODE", "SECRETSTATE", "SECRETTOKEN", "SECRETVERIFIER", "SECRETBEARER"):
        assert secret not in envelopes, secret
    # The error log lines around it reached the event as breadcrumbs, masked.
    crumbs = [crumb.get("message", "") for crumb in event["breadcrumbs"]["values"]]
    assert "FreshBooks refused an authorization code: code=****" in crumbs
