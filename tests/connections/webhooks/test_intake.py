"""The key-checked INSERT of the fast path is prepared once per database connection.

Planning its join (subscription, business, connection) cost PostgreSQL more than the insert, so
a web process's connection prepares the statement at its first delivery and only executes it for
the next ones; a delivery still leaves one row and one answer each.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection

from connections.models import WebhookDelivery
from connections.webhooks.deliveries import IncomingDelivery
from connections.webhooks.ingest import webhook_delivery_receive
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import FORM, VERIFIER, event_fields

pytestmark = pytest.mark.django_db(transaction=True)
TABLE = WebhookDelivery._meta.db_table


def signed(fields: list[tuple[str, str]]) -> IncomingDelivery:
    return IncomingDelivery(
        body=urlencode(fields).encode(),
        content_type=FORM,
        headers={"Content-Type": FORM, "X-FreshBooks-Hmac-SHA256": sign(VERIFIER, fields)},
        remote_ip="127.0.0.1",
    )


def prepared_inserts() -> list[tuple[str, int]]:
    """This session's prepared statements that insert deliveries, with how often each ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%INSERT INTO {connection.ops.quote_name(TABLE)}%"],
        )
        return cursor.fetchall()


def test_deliveries_on_one_connection_run_one_prepared_statement(business, subscription, handler):
    answers = [
        webhook_delivery_receive(
            token=business.webhook_token,
            incoming=signed(event_fields(business, object_id=object_id)),
        )
        for object_id in (1, 2, 3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert sorted(WebhookDelivery.objects.values_list("object_id", flat=True)) == [1, 2, 3]
    # One statement on this connection, prepared at the first delivery and run for each.
    [(statement, executions)] = prepared_inserts()
    assert "WHERE EXISTS" in statement
    assert executions == 3


def test_a_delivery_whose_key_no_longer_holds_is_not_stored_by_the_prepared_statement(
    business, subscription, handler
):
    first = webhook_delivery_receive(
        token=business.webhook_token, incoming=signed(event_fields(business, object_id=1))
    )
    second = webhook_delivery_receive(
        token=business.webhook_token, incoming=signed(event_fields(business, object_id=2))
    )
    subscription.verified = False
    subscription.save(update_fields=["verified"])

    third = webhook_delivery_receive(
        token=business.webhook_token, incoming=signed(event_fields(business, object_id=3))
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 401
    refused = WebhookDelivery.objects.get(object_id=3)
    assert refused.status == WebhookDelivery.Status.REJECTED
