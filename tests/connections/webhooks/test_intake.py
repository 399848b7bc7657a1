"""The fast path's key-checked INSERT: the row the full path would save, prepared once per
database connection.

The fast path writes a delivery's values without building the model, so each column is compared
with what the full path (the model's ``save``) stores for the same delivery. Planning its join
(subscription, business, connection) cost PostgreSQL more than the insert, so a web process's
connection prepares the statement at its first delivery and only executes it for the next ones; a
delivery still leaves one row and one answer each.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection

from connections.models import WebhookDelivery
from connections.webhooks.deliveries import IncomingDelivery
from connections.webhooks.ingest import webhook_delivery_receive, webhook_delivery_receive_for
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import (
    FORM,
    VERIFIER,
    event_fields,
    prepared_statements_like,
)

pytestmark = pytest.mark.django_db(transaction=True)
TABLE = WebhookDelivery._meta.db_table


def signed(
    fields: list[tuple[str, str]],
    *,
    remote_ip: str | None = "127.0.0.1",
    headers: dict[str, str] | None = None,
) -> IncomingDelivery:
    return IncomingDelivery(
        body=urlencode(fields).encode(),
        content_type=FORM,
        headers={
            "Content-Type": FORM,
            "X-FreshBooks-Hmac-SHA256": sign(VERIFIER, fields),
            **(headers or {}),
        },
        remote_ip=remote_ip,
    )


def stored_columns(delivery_id: int) -> dict:
    """Every column of a stored delivery but its id and when it was processed (a clock read)."""
    columns = WebhookDelivery.objects.filter(pk=delivery_id).values().get()
    del columns["id"]
    columns["processed"] = columns.pop("processed_at") is not None
    return columns


@pytest.mark.parametrize(
    ("fields", "remote_ip", "headers"),
    [
        pytest.param({}, "127.0.0.1", {}, id="a pending event"),
        pytest.param({"name": "invoice.create"}, "127.0.0.1", {}, id="an ignored event"),
        pytest.param(
            {"account_id": "AC\x00C\u202e1", "identity_id": "", "user_id": "12"},
            "2001:DB8:0:0:0:0:0:1",
            {"X-Note": "caf\u00e9 \x00 \u2066", "Cookie": "sessionid=secret"},
            id="odd text, IPv6 and headers",
        ),
        pytest.param({"object_id": "-4", "business_id": "x"}, None, {}, id="bad numbers, no IP"),
        pytest.param({"name": "time_entry.crea\u00e9"}, "not an address", {}, id="odd name"),
    ],
)
def test_the_fast_path_stores_the_row_the_full_path_saves(
    business, subscription, handler, fields, remote_ip, headers
):
    sent = dict(event_fields(business, object_id=7), **fields)
    incoming = signed(list(sent.items()), remote_ip=remote_ip, headers=headers)

    fast = webhook_delivery_receive(token=business.webhook_token, incoming=incoming)
    full = webhook_delivery_receive_for(business=business, incoming=incoming)

    assert (fast.status_code, fast.reason) == (full.status_code, full.reason) == (200, fast.reason)
    # One statement on this connection, prepared at the first delivery and run for each.
    assert [executions for _, executions in prepared_inserts()] == [1]
    assert stored_columns(fast.delivery_id) == stored_columns(full.delivery_id)


def prepared_inserts() -> list[tuple[str, int]]:
    """This session's prepared statements that insert deliveries, with how often each ran."""
    return prepared_statements_like(f"INSERT INTO {connection.ops.quote_name(TABLE)}")


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
