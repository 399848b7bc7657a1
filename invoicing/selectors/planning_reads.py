"""What planning reads first: the business's billing inputs version (which previews are compared
with) and the candidate entries, read as cheaply as the billing rules allow."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.base import ModelState

from invoicing.models import TimeEntry


def billing_inputs_version(business_pk: int) -> int:
    """The version of everything a preview of this business is planned from
    (`invoicing.models.watermarks`); 0 while nothing was ever written.

    Reading it also clears this transaction's "already bumped" mark, so a change written later in
    the same transaction moves the version again.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, '', true), COALESCE("
            "(SELECT version FROM invoicing_billinginputsversion WHERE business_id = %s), 0)",
            [f"invoicing.inputs_bumped_{int(business_pk)}", business_pk],
        )
        row = cursor.fetchone()
    return int(row[1]) if row else 0


def billing_inputs_versions(business_pks: list[int]) -> dict[int, int]:
    """`billing_inputs_version` of many businesses in one query (each mark cleared alike)."""
    if not business_pks:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT business.id, set_config('invoicing.inputs_bumped_' || business.id, '', true), "
            "COALESCE(kept.version, 0) FROM unnest(%s::bigint[]) AS business(id) "
            "LEFT JOIN invoicing_billinginputsversion AS kept ON kept.business_id = business.id",
            [[int(pk) for pk in business_pks]],
        )
        return {int(pk): int(version) for pk, _, version in cursor.fetchall()}


# Read for planning: every column but the raw JSON (read on access, never by the billing rules).
PLANNED_COLUMNS = tuple(
    field.attname for field in TimeEntry._meta.concrete_fields if field.attname != "raw"
)


def entry_rows(entries: QuerySet[TimeEntry]) -> list[TimeEntry]:
    """The entries as model instances, filled from one `values_list` read: a third of the cost of
    Django building each instance field by field (100,000 entries: seconds). A column left out
    (`raw`) loads on access, as with `defer()`."""
    rows = []
    for values in entries.values_list(*PLANNED_COLUMNS):
        row = TimeEntry.__new__(TimeEntry)
        row.__dict__.update(zip(PLANNED_COLUMNS, values, strict=True))
        row._state = ModelState()
        row._state.adding = False
        row._state.db = entries.db
        rows.append(row)
    return rows
