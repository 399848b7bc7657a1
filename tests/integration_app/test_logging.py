"""Structured logs: JSON lines in production with the request id, task id and task name."""

import json
import logging
import re
import sys
import uuid

import pytest

from integration_app.logging import (
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    request_id_var,
    task_id_var,
    task_name_var,
)
from integration_app.tasks import record_worker_heartbeat
from tests.integration_app.test_configuration import PRODUCTION_ENV, _manage
from tests.plugins.processes import wait_until


def _record(message="hello %s", args=("world",), name="app.test", level=logging.INFO, **extra):
    record = logging.LogRecord(name, level, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    ContextFilter().filter(record)
    return record


def test_a_json_line_has_time_level_logger_message_and_the_request_context():
    token = request_id_var.set("req-1234")
    try:
        line = JsonFormatter().format(_record(status_code=404, request=object()))
    finally:
        request_id_var.reset(token)

    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "app.test"
    assert entry["request_id"] == "req-1234"
    assert entry["status_code"] == 404
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    # Django's request loggers attach the request object; it is not data, and its repr has the path.
    assert "request" not in entry
    assert "task_id" not in entry


def test_a_json_line_from_a_task_carries_task_id_and_name():
    tokens = [task_id_var.set("task-abc"), task_name_var.set("sync.business")]
    try:
        entry = json.loads(JsonFormatter().format(_record()))
    finally:
        task_name_var.reset(tokens[1])
        task_id_var.reset(tokens[0])

    assert entry["task_id"] == "task-abc"
    assert entry["task_name"] == "sync.business"


def test_an_exception_is_one_json_field_and_its_secrets_are_masked():
    try:
        raise ValueError("token endpoint said no to code=SECRETCODE")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert "ValueError: token endpoint said no to code=****" in entry["exception"]
    assert "SECRETCODE" not in line


def test_text_lines_stay_readable_and_show_the_context_when_there_is_one():
    plain = TextFormatter().format(_record())
    token = request_id_var.set("req-1234")
    try:
        with_context = TextFormatter().format(_record())
    finally:
        request_id_var.reset(token)

    assert plain.endswith("INFO app.test hello world")
    assert with_context.endswith("INFO app.test hello world [request_id=req-1234]")


def test_production_logs_json_lines_and_development_text():
    script = "import logging; logging.getLogger('app.check').warning('ready %s', 42)"

    production = _manage("shell", "-c", script, env=PRODUCTION_ENV)
    development = _manage("shell", "-c", script, env={"APP_ENV": "development"})

    assert production.returncode == 0, production.stderr
    entry = json.loads(production.stderr.strip().splitlines()[-1])
    assert entry["message"] == "ready 42"
    assert entry["logger"] == "app.check"
    assert development.stderr.strip().splitlines()[-1].endswith("WARNING app.check ready 42")


# --- Request ids ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_echoed_and_carried_by_the_request_logs(client, caplog):
    caplog.handler.addFilter(ContextFilter())

    # An unknown webhook token: a 404 response, which Django logs after the middleware returned.
    response = client.post("/webhooks/freshbooks/unknown/", headers={"X-Request-ID": "lb-7f3.1"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3.1"
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Not Found: /webhooks/freshbooks/****/"
    assert json.loads(JsonFormatter().format(record))["request_id"] == "lb-7f3.1"
    assert request_id_var.get() is None  # unbound once the response is finished


@pytest.mark.parametrize(
    "incoming",
    [
        "has spaces in it",
        "line\nbreak",
        "x" * 129,
        '"quoted"',
        "-starts-with-a-dash",
        "code=SECRET&state=SECRET",
    ],
)
def test_an_unusable_incoming_request_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/healthz-missing", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_each_request_without_an_id_gets_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


# --- Celery ----------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_json_lines_with_the_task_id_name_and_the_queuing_request_id(
    celery_worker_factory,
):
    # A queue of its own, so no other worker of this session takes the task.
    queue = f"logging-{uuid.uuid4().hex[:8]}"
    worker = celery_worker_factory({"LOG_FORMAT": "json"}, queues=queue)
    marker = uuid.uuid4().hex

    token = request_id_var.set("req-from-the-web")
    try:
        result = record_worker_heartbeat.apply_async(args=(marker,), queue=queue)
    finally:
        request_id_var.reset(token)
    assert result.get(timeout=60) == marker

    def heartbeat_line():
        for line in worker.log().splitlines():
            if marker in line and line.startswith("{"):
                entry = json.loads(line)
                if entry["message"] == f"heartbeat {marker} recorded":
                    return entry
        return None

    entry = wait_until(heartbeat_line, timeout=30, message="the task's log line")
    assert entry["task_id"] == result.id
    assert entry["task_name"] == "default.record_worker_heartbeat"
    assert entry["request_id"] == "req-from-the-web"
    assert entry["logger"] == "integration_app.tasks"
    # The worker's own lines (start-up, "ready") are JSON too: Celery uses Django's LOGGING.
    ready = [line for line in worker.log().splitlines() if " ready." in line]
    assert ready and json.loads(ready[0])["logger"] == "celery.apps.worker"
