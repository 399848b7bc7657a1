"""The fast path of a signed event delivery: a cached key, one statement, no broker call.

A delivery signed with a key this web process already holds (``signing_keys``) is stored by one
statement that inserts the row only if the key still holds (same subscription, still verified,
same stored verifier, the business still active under this token) and, for a pending row, sends
the ``NOTIFY`` that wakes the worker (``wakeup``). In autocommit, so the row is durable when the
statement returns, before the 200. When the key no longer holds nothing is stored and the caller
judges the delivery again on a fresh read. PostgreSQL only.
"""

from __future__ import annotations

import functools

from django.db import connection

from connections.models import (
    ConnectedBusiness,
    Connection,
    WebhookDelivery,
    WebhookSubscription,
)
from connections.webhooks.signing_keys import SigningKey
from connections.webhooks.wakeup import wake_channel


@functools.cache
def _stored_fields() -> tuple:
    return tuple(field for field in WebhookDelivery._meta.concrete_fields if not field.primary_key)


@functools.cache
def _conditional_insert_sql(*, wake: bool) -> str:
    quote = connection.ops.quote_name
    fields = _stored_fields()
    columns = ", ".join(quote(field.column) for field in fields)
    # Typed placeholders: in INSERT … SELECT PostgreSQL does not type them from the columns.
    values = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    subscription = WebhookSubscription._meta.db_table
    business = ConnectedBusiness._meta.db_table
    owner = Connection._meta.db_table
    pk = quote(WebhookDelivery._meta.pk.column)
    # The same conditions as ACTIVE_BUSINESSES and the verified-key read (tests compare them).
    key_holds = (
        f"SELECT 1 FROM {quote(subscription)} s "  # noqa: S608 - names from the models
        f"JOIN {quote(business)} b ON b.id = s.business_id "
        f"JOIN {quote(owner)} c ON c.id = b.connection_id "
        "WHERE s.id = %s AND s.verified AND s.verifier = %s AND b.id = %s "
        "AND b.webhook_token = %s AND b.active AND c.disconnected_at IS NULL"
    )
    notify = f", pg_notify(%s, {pk}::text)" if wake else ""
    return (
        f"WITH stored AS (INSERT INTO {quote(WebhookDelivery._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {values} WHERE EXISTS ({key_holds}) RETURNING {pk}) "
        f"SELECT {pk}{notify} FROM stored"
    )


def delivery_store_if_key_holds(
    *, row: WebhookDelivery, key: SigningKey, token: str, wake: bool
) -> bool:
    """Insert ``row`` (and wake the worker when ``wake``) if ``key`` still signs for ``token``'s
    active business; True when stored (``row.pk`` is then set)."""
    params: list = [
        field.get_db_prep_save(field.pre_save(row, True), connection) for field in _stored_fields()
    ]
    params += [key.subscription_pk, key.stored_verifier, row.business_id, token]
    if wake:
        params.append(wake_channel())
    with connection.cursor() as cursor:
        cursor.execute(_conditional_insert_sql(wake=wake), params)
        stored = cursor.fetchone()
    if stored is None:
        return False
    row.pk = stored[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True
