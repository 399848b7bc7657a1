"""OAuth codes and webhook tokens never reach a log: Django's request loggers, gunicorn's access.

The callback URL's query string carries the one-time authorization ``code`` and the ``state``; the
last segment of ``/webhooks/freshbooks/<token>/`` alone authenticates a FreshBooks delivery.
"""

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config

from integration_app.gunicorn_logger import MaskingLogger
from integration_app.logging import SecretMaskingFilter
from integration_app.redaction import mask_secrets
from sandbox.process import free_port
from tests.plugins.processes import REPO_ROOT, database_url_for_subprocess, wait_until

CALLBACK = "/connections/oauth/callback/?code=SECRETCODE&state=SECRETSTATE"
WEBHOOK = "/webhooks/freshbooks/SECRETTOKEN/"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            f"GET {CALLBACK} HTTP/1.1",
            "GET /connections/oauth/callback/?code=****&state=**** HTTP/1.1",
        ),
        (f"POST {WEBHOOK} HTTP/1.1", "POST /webhooks/freshbooks/****/ HTTP/1.1"),
        ("https://app.example.com" + WEBHOOK, "https://app.example.com/webhooks/freshbooks/****/"),
        ("state=SECRETSTATE&code=SECRETCODE", "state=****&code=****"),
        ("?error=access_denied&state=SECRETSTATE", "?error=access_denied&state=****"),
        (
            "grant_type=refresh_token&refresh_token=SECRET1&client_secret=SECRET2",
            "grant_type=refresh_token&refresh_token=****&client_secret=****",
        ),
        (
            '{"access_token": "SECRET1", "refresh_token":"SECRET2", "expires_in": 43200}',
            '{"access_token": "****", "refresh_token":"****", "expires_in": 43200}',
        ),
        ("name=callback.verify&verifier=SECRETV", "name=callback.verify&verifier=****"),
        ("Authorization: Bearer SECRET.jwt-value", "Authorization: Bearer ****"),
        # Look-alikes stay: other parameters, longer names, plain words.
        ("status_code=404 error_code=1003", "status_code=404 error_code=1003"),
        ("/connections/3/businesses/?page=2", "/connections/3/businesses/?page=2"),
        ("the code is fine", "the code is fine"),
    ],
)
def test_mask_secrets(text, masked):
    assert mask_secrets(text) == masked


# --- Django's request loggers -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        # An unknown token: the view answers 404, Django logs "Not Found: <path>".
        ("post", WEBHOOK, "Not Found: /webhooks/freshbooks/****/"),
        # GET on a POST-only URL: "Method Not Allowed (GET): <path>".
        ("get", WEBHOOK, "Method Not Allowed (GET): /webhooks/freshbooks/****/"),
    ],
)
def test_django_request_warnings_mask_the_webhook_token(client, caplog, method, path, expected):
    getattr(client, method)(path)

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == expected
    assert "SECRETTOKEN" not in repr(record.msg) + repr(record.args)


def test_runserver_request_lines_mask_code_and_state(caplog):
    caplog.set_level(logging.INFO, logger="django.server")
    # What django.core.servers.basehttp.WSGIRequestHandler.log_message logs for each request.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET {CALLBACK} HTTP/1.1", "302", "0", extra={"status_code": 302}
    )
    logging.getLogger("django.server").warning(
        '"%s" %s %s', f"POST {WEBHOOK} HTTP/1.1", "404", "15", extra={"status_code": 404}
    )

    messages = [r.getMessage() for r in caplog.records if r.name == "django.server"]
    assert messages == [
        '"GET /connections/oauth/callback/?code=****&state=**** HTTP/1.1" 302 0',
        '"POST /webhooks/freshbooks/****/ HTTP/1.1" 404 15',
    ]


def test_the_filter_masks_a_message_that_was_formatted_before_logging():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, f"Bad Request: {WEBHOOK}", None, None
    )

    SecretMaskingFilter().filter(record)

    assert record.getMessage() == "Bad Request: /webhooks/freshbooks/****/"


def test_the_filter_formats_objects_in_args_so_their_text_is_masked_too():
    request = type("Req", (), {"__str__": lambda self: f"<WSGIRequest: GET '{CALLBACK}'>"})()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "%s", (request,), exc_info=None
    )

    SecretMaskingFilter().filter(record)

    assert "SECRET" not in record.getMessage()


# --- gunicorn ----------------------------------------------------------------------------------


def test_gunicorn_access_atoms_are_masked():
    logger = MaskingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": CALLBACK,
        "PATH_INFO": "/connections/oauth/callback/",
        "QUERY_STRING": "code=SECRETCODE&state=SECRETSTATE",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://app.example.com" + CALLBACK,
    }
    request = SimpleNamespace(
        headers=[("REFERER", environ["HTTP_REFERER"]), ("AUTHORIZATION", "Bearer SECRETBEARER")]
    )
    response = SimpleNamespace(status="302 Found", headers=[("X-Request-ID", "abc")], sent=0)

    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=12))

    assert atoms["r"] == "GET /connections/oauth/callback/?code=****&state=**** HTTP/1.1"
    assert atoms["q"] == "code=****&state=****"
    assert atoms["f"] == "https://app.example.com/connections/oauth/callback/?code=****&state=****"
    assert atoms["{authorization}i"] == "****"
    assert atoms["{x-request-id}o"] == "abc"
    assert "SECRET" not in json.dumps(atoms, default=str)


class Gunicorn:
    def __init__(self, *, env: dict[str, str], stdout, stderr):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "integration_app.wsgi",
                "--config",
                "integration_app/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )

    def wait_ready(self, log) -> None:
        def answering():
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{log()}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(answering, timeout=60, message="gunicorn to answer /healthz")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.mark.integration
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_real_gunicorn_with_the_project_config_logs_no_code_state_or_webhook_token(
    django_db_setup, tmp_path, log_format
):
    out_path, err_path = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "LOG_FORMAT": log_format,
        "PYTHONUNBUFFERED": "1",
    }
    with out_path.open("w") as stdout, err_path.open("w") as stderr:
        server = Gunicorn(env=env, stdout=stdout, stderr=stderr)
        try:
            server.wait_ready(lambda: out_path.read_text() + err_path.read_text())
            callback = requests.get(server.url + CALLBACK, allow_redirects=False, timeout=10)
            webhook = requests.post(server.url + WEBHOOK, data=b"name=x", timeout=10)
            webhook_get = requests.get(server.url + WEBHOOK, timeout=10)
        finally:
            server.stop()

    access, errors = out_path.read_text(), err_path.read_text()
    assert (callback.status_code, webhook.status_code, webhook_get.status_code) == (302, 404, 405)
    for secret in ("SECRETCODE", "SECRETSTATE", "SECRETTOKEN"):
        assert secret not in access
        assert secret not in errors
    # The requests were logged, masked, each with the id the app echoed.
    lines = [line for line in access.splitlines() if "/healthz" not in line]
    assert len(lines) == 3, access
    if log_format == "json":
        entries = [json.loads(line) for line in lines]
        assert [e["http"]["path"] for e in entries] == [
            "/connections/oauth/callback/",
            "/webhooks/freshbooks/****/",
            "/webhooks/freshbooks/****/",
        ]
        assert entries[0]["http"]["query"] == "code=****&state=****"
        assert [e["request_id"] for e in entries] == [
            r.headers["X-Request-ID"] for r in (callback, webhook, webhook_get)
        ]
    else:
        assert "GET /connections/oauth/callback/?code=****&state=**** HTTP/1.1" in lines[0]
        assert "POST /webhooks/freshbooks/****/ HTTP/1.1" in lines[1]
        assert f"request_id={callback.headers['X-Request-ID']}" in lines[0]
    # Django's own warnings for the webhook 404 and 405 went to stderr, masked.
    assert "/webhooks/freshbooks/****/" in errors
