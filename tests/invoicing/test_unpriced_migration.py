"""The data migration from "Allow zero-rated lines" to the explicit choice for unpriced time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("invoicing", "0002_draft_invoices")]
AFTER = [("invoicing", "0005_remove_allow_zero_rate")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Whatever happens here, later tests find every migration applied again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_ticked_box_becomes_bill_as_0_00_lines_and_an_unticked_one_hold():
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Identity = apps.get_model("connections", "FreshBooksIdentity")
    Connection = apps.get_model("connections", "Connection")
    Business = apps.get_model("connections", "ConnectedBusiness")
    user = User.objects.create(email="migrate@example.com")
    identity = Identity.objects.create(identity_id=777)
    connection_row = Connection.objects.create(user=user, identity=identity)
    ticked, unticked = (
        Business.objects.create(
            connection=connection_row, business_id=business_id, account_id=f"A{business_id}"
        )
        for business_id in (1, 2)
    )
    apps.get_model("invoicing", "BillingPolicy").objects.create(
        business=ticked, allow_zero_rate=True
    )
    apps.get_model("invoicing", "BillingPolicy").objects.create(
        business=unticked, allow_zero_rate=False
    )
    apps.get_model("invoicing", "InvoiceSchedule").objects.create(
        business=ticked, allow_zero_rate=True
    )
    run = apps.get_model("invoicing", "InvoiceRun").objects.create(
        business=ticked,
        period_start="2024-05-01",
        period_end="2024-05-31",
        options={"period_start": "2024-05-01", "grouping": "service", "allow_zero_rate": True},
    )

    apps = migrate(AFTER)

    policies = apps.get_model("invoicing", "BillingPolicy").objects
    assert policies.get(business_id=ticked.pk).unpriced == "bill_zero"
    assert policies.get(business_id=unticked.pk).unpriced == "hold"
    schedule = apps.get_model("invoicing", "InvoiceSchedule").objects.get(business_id=ticked.pk)
    assert schedule.unpriced == "bill_zero"
    options = apps.get_model("invoicing", "InvoiceRun").objects.get(pk=run.pk).options
    assert options == {"period_start": "2024-05-01", "grouping": "service", "unpriced": "bill_zero"}

    apps = migrate(BEFORE)  # and back
    assert (
        apps.get_model("invoicing", "BillingPolicy")
        .objects.get(business_id=ticked.pk)
        .allow_zero_rate
    )
