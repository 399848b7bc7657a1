"""Schemathesis against the served OpenAPI schema: no input gives a 500 or a response that breaks
the schema. Small on purpose (a few examples per operation); `bench/` is the place for long runs."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from invoicing.hours.checks import HoursInput
from invoicing.hours.services import hours_upsert

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def api_schema(world):
    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(world):
    # Some hours to list and delete, so those operations reach their success paths too.
    hours_upsert(
        business=world.business,
        source="api",
        entries=[
            HoursInput(
                external_id=f"seed-{n}",
                client_id=10,
                started_at=timezone.now(),
                duration_seconds=600,
            )
            for n in range(3)
        ],
    )
    return world.token


@pytest.mark.django_db
def test_no_input_breaks_the_api(api_schema, token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 4

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        call()
