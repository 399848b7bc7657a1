"""A rate with more than two decimals, end to end: FreshBooks' 12.345 is synced, previewed, sent
and billed as 12.345, and FreshBooks' invoice total equals the previewed total to the cent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import DraftLine, Project
from tests.invoicing.drafts.conftest import advance_until_settled, live_invoices, sync_business
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db


def test_a_rate_of_12_345_bills_to_the_cent_from_the_full_precision_rate(use_sandbox):
    seeded = connect_sandbox_business(use_sandbox, time_entries=0, clients=2, currencies=["USD"])
    business = seeded.business
    client_id = use_sandbox.control.state(business.account_id, "clients")[0]["id"]
    project = use_sandbox.control.act_create(
        business.business_id,
        "projects",
        title="Precise work",
        client_id=client_id,
        project_type="hourly_rate",
        billing_method="project_rate",
        rate="12.345",
    )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    for offset, seconds in enumerate((5400, 5400, 1800)):  # 1.5 h + 1.5 h + 0.5 h
        use_sandbox.control.create_time_entry(
            business.business_id,
            client_id=client_id,
            project_id=project["id"],
            started_at=(start + timedelta(hours=offset * 3)).isoformat().replace("+00:00", "Z"),
            duration=seconds,
            is_logged=True,
            billable=True,
        )
    sync_business(business)
    assert Project.objects.get(business=business, freshbooks_id=project["id"]).rate == Decimal(
        "12.345"
    )

    day = (start - timedelta(days=1)).date().isoformat()
    preview = invoice_run_preview(
        business=business,
        raw_options={
            "period": "custom",
            "start": day,
            "end": datetime.now(UTC).date().isoformat(),
            "grouping": "project",
            "expenses": "none",  # the seed's expenses aside: this is about one time line
        },
    )
    [previewed] = preview.preview["drafts"]
    [previewed_line] = previewed["lines"]
    # 3.5 h x 12.345 = 43.2075 -> 43.21 (a rate rounded first: 3.5 x 12.35 = 43.23).
    assert (previewed_line["quantity"], previewed_line["unit_cost"]) == ("3.50", "12.345")
    assert previewed_line["amount"] == previewed["total"] == "43.21"

    run = invoice_run_create(run_id=preview.pk)
    [draft] = advance_until_settled(run)

    assert DraftLine.objects.get(draft=draft).unit_cost == Decimal("12.345")
    [invoice] = live_invoices(use_sandbox, business)
    [line] = invoice["lines"]
    assert line["unit_cost"]["amount"] == "12.345"
    assert line["amount"]["amount"] == "43.21"
    assert invoice["amount"]["amount"] == "43.21"
    assert draft.total == draft.freshbooks_total == Decimal("43.21")
