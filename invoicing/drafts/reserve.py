"""Reserve a run's planned drafts: the draft rows, their lines and their entry and expense links.

The links are the reservation: the partial unique indexes `entry_on_one_open_draft` and
`expense_on_one_open_draft` let a FreshBooks entry or expense sit on one open draft only, so two
runs that planned the same time or expense cannot both insert it (the second gets an
IntegrityError and its transaction creates nothing).

A fixed number of statements whatever the size of the run: the drafts in one INSERT (their
references set by one UPDATE, as they contain the draft's id), the time lines in one, the expense
lines and their links in one each, and the entry links in one whose rows travel as a single JSON
parameter (``jsonb_to_recordset``), which costs far less to send than a parameter per value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, Substr

from invoicing.billing import DraftPlan
from invoicing.billing.taxes import LineTaxes
from invoicing.models import (
    DraftEntry,
    DraftExpense,
    DraftInvoice,
    DraftLine,
    Expense,
    InvoiceRun,
    TimeEntry,
)
from invoicing.selectors.planning_reads import PlannedEntry
from invoicing.selectors.previews import tax_totals_json

REFERENCE_PREFIX = "FBB-"


def line_tax_columns(taxes: LineTaxes) -> dict[str, Any]:
    """A line's taxes as `DraftLine`'s columns."""
    columns: dict[str, Any] = {"compounded_tax": taxes.compound}
    for number, tax in ((1, taxes.first), (2, taxes.second)):
        if tax is not None:
            columns.update(
                {
                    f"tax_name{number}": tax.name[:40],
                    f"tax_percent{number}": tax.percent,
                    f"tax_number{number}": tax.number[:40],
                }
            )
    return columns


def drafts_reserve(
    run: InvoiceRun,
    draft_plans: Sequence[DraftPlan],
    rows: Mapping[int, TimeEntry | PlannedEntry],
    expense_rows: dict[int, Expense],
) -> list[DraftInvoice]:
    """Insert `draft_plans` as planned drafts of `run`, in order; call inside a transaction."""
    if not draft_plans:
        return []
    drafts = DraftInvoice.objects.bulk_create(
        DraftInvoice(
            run=run,
            business=run.business,
            client_freshbooks_id=draft_plan.client_id,
            client_name=draft_plan.client_name[:255],
            currency_code=draft_plan.currency_code,
            unique_key=draft_plan.unique_key,
            total=draft_plan.total,
            subtotal=draft_plan.subtotal,
            taxes=tax_totals_json(draft_plan.totals),
        )
        for draft_plan in draft_plans
    )
    _set_references(drafts)
    lines = DraftLine.objects.bulk_create(
        DraftLine(
            draft=draft,
            position=position,
            name=line.name[:255],
            description=line.description,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            amount=line.amount,
            rate_sources=list(line.rate_sources),
            raw_seconds=line.raw_seconds,
            billed_seconds=sum(line.billed_seconds.values()),
            **line_tax_columns(line.taxes),
        )
        for draft, draft_plan in zip(drafts, draft_plans, strict=True)
        for position, line in enumerate(draft_plan.lines, start=1)
    )
    expense_lines = DraftLine.objects.bulk_create(
        DraftLine(
            draft=draft,
            position=position,
            name=line.name[:255],
            description=line.description,
            quantity=Decimal(1),
            unit_cost=line.unit_cost,
            amount=line.amount,
            rate_sources=[f"expense #{line.expense_id}"],
            raw_seconds=0,
            billed_seconds=0,
            **line_tax_columns(line.taxes),
        )
        for draft, draft_plan in zip(drafts, draft_plans, strict=True)
        for position, line in enumerate(draft_plan.expense_lines, start=len(draft_plan.lines) + 1)
    )
    planned_expense_lines = [line for plan in draft_plans for line in plan.expense_lines]
    business_id = run.business.business_id
    DraftExpense.objects.bulk_create(
        DraftExpense(
            draft_id=line_row.draft_id,
            line=line_row,
            expense=expense_rows[line.expense_id],
            business_freshbooks_id=business_id,
            expense_freshbooks_id=line.expense_id,
            taxes=line.taxes.payload(),
        )
        for line_row, line in zip(expense_lines, planned_expense_lines, strict=True)
    )
    planned_lines = [line for draft_plan in draft_plans for line in draft_plan.lines]
    _insert_entry_links(
        [
            {
                "draft_id": line_row.draft_id,
                "line_id": line_row.pk,
                "time_entry_id": rows[entry_id].pk,
                "business_freshbooks_id": business_id,
                "time_entry_freshbooks_id": entry_id,
                "raw_seconds": rows[entry_id].duration_seconds,
                "billed_seconds": line.billed_seconds[entry_id],
            }
            for line_row, line in zip(lines, planned_lines, strict=True)
            for entry_id in line.entry_ids
        ]
    )
    return drafts


def _set_references(drafts: list[DraftInvoice]) -> None:
    """`FBB-<draft id>-<first 8 of its unique key>`: findable in FreshBooks by `po_number`."""
    DraftInvoice.objects.filter(pk__in=[draft.pk for draft in drafts]).update(
        reference=Concat(
            Value(REFERENCE_PREFIX),
            Cast("id", CharField()),
            Value("-"),
            Substr("unique_key", 1, 8),
            output_field=CharField(),
        )
    )
    for draft in drafts:
        draft.reference = f"{REFERENCE_PREFIX}{draft.pk}-{draft.unique_key[:8]}"


def _insert_entry_links(links: list[dict[str, int]]) -> None:
    """One INSERT of every link (the model's defaults for the flags)."""
    if not links:
        return
    meta = DraftEntry._meta
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    columns = [column_of[name] for name in links[0]]
    record_types = ", ".join(f"{quote(column)} bigint" for column in columns)
    names = ", ".join(quote(column) for column in [*columns, "marked_billed", "voided"])
    values = ", ".join(f"r.{quote(column)}" for column in columns)
    # Only names from the model's meta, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {values}, false, false FROM jsonb_to_recordset(%s::jsonb) AS r({record_types})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(links)])
