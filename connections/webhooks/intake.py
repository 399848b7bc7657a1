"""The fast path of a signed event delivery: a cached key, one statement, no broker call.

A delivery signed with a key this web process already holds (``signing_keys``) is stored by one
statement that inserts the row only if the key still holds (same subscription, still verified,
same stored verifier, the business still active under this token) and, for a pending row, sends
the ``NOTIFY`` that wakes the worker (``wakeup``). In autocommit, so the row is durable when the
statement returns, before the 200. When the key no longer holds nothing is stored and the caller
judges the delivery again on a fresh read. PostgreSQL only.

These statements are prepared once per database connection (``connections.webhooks.prepared``):
planning the key check's join cost PostgreSQL more than the insert itself, every time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from connections.models import (
    ConnectedBusiness,
    Connection,
    WebhookDelivery,
    WebhookSubscription,
)
from connections.webhooks.prepared import prepared_cursor
from connections.webhooks.signing_keys import SigningKey
from connections.webhooks.wakeup import wake_channel


@functools.cache
def _stored_fields() -> tuple:
    return tuple(field for field in WebhookDelivery._meta.concrete_fields if not field.primary_key)


# Fields whose prepared value is the Python value itself, for the values ingest gives them (text,
# integers, aware datetimes, a canonical address, None): they are sent as their text
# (``prepared.as_text``) and the statement casts each placeholder to its column's type. Exact
# types: a subclass (an encrypted text field) may prepare differently.
_STORED_AS_IS = frozenset(
    {
        models.BigIntegerField,
        models.BooleanField,
        models.CharField,
        models.DateTimeField,
        models.ForeignKey,
        models.GenericIPAddressField,
        models.IntegerField,
        models.PositiveIntegerField,
        models.TextField,
    }
)

ColumnWriter = tuple[str, Callable[[], Any], Callable[[Any], Any] | None]


@functools.cache
def _column_writers() -> tuple[ColumnWriter, ...]:
    """Per stored column: its attribute name, its default, and how its value is prepared (None:
    as it is). Building a model instance and preparing every field through it cost more than the
    rest of a delivery's Python work."""

    def prepared_by(field: models.Field) -> Callable[[Any], Any] | None:
        if type(field) in _STORED_AS_IS:
            return None
        if isinstance(field, models.JSONField):
            # The JSON text the field's adapter would send (json.dumps with its encoder).
            return functools.partial(json.dumps, cls=field.encoder)
        # The calling thread's connection (``connection`` is thread-local): this table is shared.
        return lambda value: field.get_db_prep_save(value, connection)

    return tuple(
        (field.attname, field.get_default, prepared_by(field)) for field in _stored_fields()
    )


@functools.cache
def _column_names() -> frozenset[str]:
    return frozenset(attname for attname, _, _ in _column_writers())


def column_params(values: dict[str, Any]) -> list[Any]:
    """A delivery's values (by attribute name; a missing one takes its default) as the statement's
    parameters, in ``_stored_fields`` order: what saving the model would write."""
    unknown = values.keys() - _column_names()
    if unknown:
        raise ValueError(f"not columns of a webhook delivery: {sorted(unknown)}")
    params = []
    for attname, default, prepare in _column_writers():
        value = values[attname] if attname in values else default()
        params.append(value if prepare is None else prepare(value))
    return params


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
    *, values: dict[str, Any], key: SigningKey, token: str, wake: bool
) -> int | None:
    """Insert the delivery of ``values`` (``column_params``), and wake the worker when ``wake``,
    if ``key`` still signs for ``token``'s active business; the stored row's id, or None."""
    params = column_params(values)
    params += [key.subscription_pk, key.stored_verifier, values["business_id"], token]
    if wake:
        params.append(wake_channel())
    with prepared_cursor() as cursor:
        cursor.execute(_conditional_insert_sql(wake=wake), params)
        stored = cursor.fetchone()
    return None if stored is None else int(stored[0])


# -- several deliveries in one statement (group commit, ``connections.webhooks.group_commit``) ---


@dataclass
class KeyedRow:
    """A delivery's values (``column_params``) and the key that must still hold to store it."""

    values: dict[str, Any]
    key: SigningKey
    token: str
    wake: bool


_ORDER, _KEY_COLUMNS = '"_order"', ('"_key_subscription"', '"_key_verifier"', '"_key_business"')
_TOKEN, _WAKE = '"_key_token"', '"_wake"'


@functools.lru_cache(maxsize=64)
def _conditional_insert_many_sql(count: int) -> str:
    """``count`` rows in, the stored ones out as ``(order, id)``: each row is inserted only if its
    own key holds (the same check as the one-row statement), under an id drawn before the insert,
    so RETURNING tells exactly which rows were stored; pending ones notify the worker."""
    quote = connection.ops.quote_name
    fields = _stored_fields()
    table = WebhookDelivery._meta.db_table
    pk = quote(WebhookDelivery._meta.pk.column)
    columns = ", ".join(quote(field.column) for field in fields)
    casts = [f"%s::{field.cast_db_type(connection)}" for field in fields]
    casts += ["%s::integer", "%s::bigint", "%s::text", "%s::bigint", "%s::text", "%s::boolean"]
    one = "(" + ", ".join(casts) + ")"
    names = f"{columns}, {_ORDER}, {', '.join(_KEY_COLUMNS)}, {_TOKEN}, {_WAKE}"
    subscription = quote(WebhookSubscription._meta.db_table)
    business = quote(ConnectedBusiness._meta.db_table)
    owner = quote(Connection._meta.db_table)
    key_holds = (
        f"SELECT 1 FROM {subscription} s "  # noqa: S608 - names from the models
        f"JOIN {business} b ON b.id = s.business_id JOIN {owner} c ON c.id = b.connection_id "
        f"WHERE s.id = i.{_KEY_COLUMNS[0]} AND s.verified AND s.verifier = i.{_KEY_COLUMNS[1]} "
        f"AND b.id = i.{_KEY_COLUMNS[2]} AND b.webhook_token = i.{_TOKEN} AND b.active "
        "AND c.disconnected_at IS NULL"
    )
    return (
        f"WITH incoming ({names}) AS (VALUES {', '.join([one] * count)}), "  # noqa: S608
        f"checked AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('{table}', "
        f"'{WebhookDelivery._meta.pk.column}')) AS {pk}, i.* FROM incoming i "
        f"WHERE EXISTS ({key_holds})), "
        f"stored AS (INSERT INTO {quote(table)} ({pk}, {columns}) "
        f"SELECT {pk}, {columns} FROM checked ORDER BY {_ORDER} RETURNING {pk}) "
        f"SELECT c.{_ORDER}, c.{pk}, CASE WHEN c.{_WAKE} THEN pg_notify(%s, c.{pk}::text) END "
        f"FROM checked c JOIN stored USING ({pk})"
    )


def deliveries_store_if_keys_hold(rows: list[KeyedRow]) -> list[int | None]:
    """Insert each row whose own key still holds, all in one statement (so one commit, in
    autocommit); in order, each stored row's id or None. Raises on a database error, and then
    none of them was stored."""
    params: list = []
    for order, keyed in enumerate(rows):
        key = keyed.key
        params += column_params(keyed.values)
        params += [order, key.subscription_pk, key.stored_verifier, keyed.values["business_id"]]
        params += [keyed.token, keyed.wake]
    params.append(wake_channel())
    with prepared_cursor() as cursor:
        cursor.execute(_conditional_insert_many_sql(len(rows)), params)
        stored = {int(order): int(pk) for order, pk, _ in cursor.fetchall()}
    return [stored.get(order) for order in range(len(rows))]
