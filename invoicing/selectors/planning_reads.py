"""What planning reads first: the business's billing inputs version (which previews are compared
with) and the candidate entries, read as cheaply as the billing rules allow."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, ParamSpec, TypeVar

from django.db import connection
from django.db.models import QuerySet

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


class PlannedEntry(NamedTuple):
    """A time entry as planning reads it: only the columns the billing rules, the stored preview
    and the reservations use (`PLANNED_COLUMNS`), as one tuple a row. The attribute names are
    the model's, so code written for `TimeEntry` rows reads these alike."""

    pk: int
    freshbooks_id: int
    client_freshbooks_id: int | None
    project_freshbooks_id: int | None
    service_freshbooks_id: int | None
    identity_id: int | None
    started_at: datetime
    duration_seconds: int
    billable: bool
    billed: bool
    active: bool
    is_logged: bool
    internal: bool
    note: str
    source: str
    source_tool: str

    @property
    def is_outside(self) -> bool:
        return self.source != TimeEntry.Source.FRESHBOOKS

    @property
    def source_label(self) -> str:
        """`TimeEntry.source_label` ("API", "Toggl Track CSV")."""
        return TimeEntry(source=self.source, source_tool=self.source_tool).source_label


# The columns of `PlannedEntry`, in its order ("id" is the primary key).
PLANNED_COLUMNS = ("id", *PlannedEntry._fields[1:])


def entry_rows(entries: QuerySet[TimeEntry]) -> list[PlannedEntry]:
    """The entries, read as tuples of the planned columns only (under `select_for_update()`,
    the same read takes the rows' locks)."""
    make = tuple.__new__
    return [make(PlannedEntry, values) for values in entries.values_list(*PLANNED_COLUMNS)]


Params = ParamSpec("Params")
Result = TypeVar("Result")


def gc_paused(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Run `function` with Python's cyclic garbage collector paused (then restored as it was).

    Planning allocates a few objects per entry and frees them by reference counting; meanwhile
    the collector's full passes walk every live object again and again as they pile up: a fifth
    of a 10,000-entry preview's CPU time, growing faster than the entries. Nothing planning
    makes is cyclic garbage; the collector catches up once it runs again.
    """

    @functools.wraps(function)
    def paused(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
