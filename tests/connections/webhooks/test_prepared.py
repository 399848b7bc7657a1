"""Ingest statements run as libpq prepared statements, behind Django's cursor wrapper.

A statement is prepared once per database connection and only executed afterwards; parameters
travel as text and rows come back as text; failures arrive as Django's database errors, and the
queries show in Django's query log like any other.
"""

from __future__ import annotations

import datetime
import ipaddress
from decimal import Decimal

import psycopg
import pytest
from django.db import DataError, OperationalError, connection
from django.test.utils import CaptureQueriesContext

from connections.webhooks.listener import connection_params
from connections.webhooks.prepared import as_text, prepared_cursor
from tests.connections.webhooks.helpers import prepared_statements_like

pytestmark = pytest.mark.django_db(transaction=True)
ECHO = "SELECT %s::integer + 1, %s::text, %s::timestamptz, %s::inet, %s::boolean, %s::jsonb"


def echo(*params):
    with prepared_cursor() as cursor:
        cursor.execute(ECHO, params)
        return cursor.fetchall()


def test_parameters_go_as_text_and_rows_come_back_as_text():
    moment = datetime.datetime(2026, 12, 3, 17, 5, 1, 250000, tzinfo=datetime.UTC)

    rows = echo(41, "café ⁦", moment, ipaddress.ip_address("2001:db8::1"), True, '{"a": [1]}')

    assert rows == [("42", "café ⁦", "2026-12-03 17:05:01.25+00", "2001:db8::1", "t", '{"a": [1]}')]
    assert echo(None, None, None, None, None, None) == [(None,) * 6]


def test_a_statement_is_prepared_once_per_connection_then_only_executed():
    for number in range(3):
        echo(number, "", None, None, False, "{}")

    [(statement, executions)] = prepared_statements_like("::integer + 1")
    assert statement.startswith("SELECT $1::integer + 1, $2::text")
    assert executions == 3


def test_a_new_connection_prepares_the_statement_again():
    echo(1, "", None, None, False, "{}")
    connection.close()

    echo(2, "", None, None, False, "{}")

    [(_, executions)] = prepared_statements_like("::integer + 1")
    assert executions == 1


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(datetime.datetime(2026, 12, 3, 17, 5), id="a naive datetime"),
        pytest.param(Decimal("1.5"), id="a decimal"),
        pytest.param({"a": 1}, id="a dict"),
    ],
)
def test_a_parameter_without_a_known_text_form_is_refused(value):
    with pytest.raises(TypeError):
        as_text(value, "utf-8")


def test_a_failing_statement_raises_djangos_error_and_the_connection_goes_on():
    with pytest.raises(DataError, match="division by zero"), prepared_cursor() as cursor:
        cursor.execute("SELECT 1 / %s::integer", [0])

    assert echo(1, "", None, None, False, "{}")[0][0] == "2"


def test_a_lost_connection_raises_djangos_operational_error_and_is_dropped():
    echo(1, "", None, None, False, "{}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(backend,)] = cursor.fetchall()
    with psycopg.connect(**connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    with pytest.raises(OperationalError):
        echo(2, "", None, None, False, "{}")
    # As after any failed query, the request's end drops the connection; the next one reconnects.
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    assert echo(3, "", None, None, False, "{}")[0][0] == "4"


def test_the_statements_show_in_djangos_query_log():
    with CaptureQueriesContext(connection) as captured:
        echo(7, "logged", None, None, True, "[]")

    [query] = captured.captured_queries
    assert query["sql"].startswith("SELECT 7::integer + 1, 'logged'::text")
