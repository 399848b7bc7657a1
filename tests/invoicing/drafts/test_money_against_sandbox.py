"""Property: for any time, rates, rounding, grouping and tax defaults (none, one or two taxes,
compound or not, per business and per service), the subtotal, each tax and the total the preview
shows are what FreshBooks (the sandbox) computes for the invoice we send, to the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connections.freshbooks import FreshBooksClient
from invoicing.billing import (
    GROUPING_MODES,
    BillingOptions,
    BusinessFacts,
    Catalog,
    ClientFacts,
    Period,
    ProjectFacts,
    RoundingPolicy,
    ServiceFacts,
    TimeEntryFacts,
    plan_drafts,
)
from invoicing.billing.rounding import DIRECTIONS, INCREMENTS_MINUTES, LEVELS
from invoicing.billing.taxes import LineTaxes, Tax, TaxDefaults, line_taxes_of
from invoicing.drafts.remote import invoice_lines, invoice_total
from sandbox.store.invoice_amounts import tax_summary

MAY = Period(date(2024, 5, 1), date(2024, 5, 31))
RATES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
PERCENTS = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=3)


@st.composite
def line_taxes(draw) -> LineTaxes:
    """None, one or two taxes with FreshBooks' percents (up to three places), compound or not."""
    count = draw(st.integers(min_value=0, max_value=2))
    taxes = [
        Tax(
            name=f"Tax {number}",
            percent=draw(PERCENTS),
            compound=number == 2 and draw(st.booleans()),
        )
        for number in range(1, count + 1)
    ]
    return line_taxes_of(taxes)


tax_defaults = st.builds(
    TaxDefaults,
    business=line_taxes(),
    by_service=st.dictionaries(st.integers(min_value=0, max_value=2), line_taxes(), max_size=2),
)


class StaticToken:
    def __init__(self, token: str):
        self.token = token

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, stale_token: str) -> str:
        return self.token


@pytest.fixture(scope="module")
def account(sandbox_server):
    """A seeded sandbox account and an API client for it (shared by every example)."""
    sandbox_server.control.reset()
    seeded = sandbox_server.control.seed(time_entries=0, clients=4, currencies=["USD"])
    owner = seeded["businesses"][0]
    tokens = sandbox_server.control.obtain_tokens(
        client_id=sandbox_server.client_id,
        client_secret=sandbox_server.client_secret,
        redirect_uri=sandbox_server.redirect_uri,
        identity_id=owner["owner_identity_id"],
    )
    client = FreshBooksClient(
        api_base_url=sandbox_server.url,
        token_source=StaticToken(tokens["access_token"]),
        user_agent="drafts-money-test",
    )
    customer = next(client.iter_clients(owner["account_id"]))
    yield client, owner["account_id"], customer["id"]
    client.close()


entries = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12 * 3600),  # raw seconds
        st.integers(min_value=0, max_value=4),  # project (each with its own rate)
        st.integers(min_value=0, max_value=2),  # service
        st.integers(min_value=0, max_value=30 * 24 * 3600 - 1),  # start offset in May
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(
    raw_entries=entries,
    rates=st.lists(RATES, min_size=5, max_size=5),
    grouping=st.sampled_from(GROUPING_MODES),
    increment=st.sampled_from(INCREMENTS_MINUTES),
    direction=st.sampled_from(DIRECTIONS),
    level=st.sampled_from(LEVELS),
    taxes=tax_defaults,
)
def test_the_previewed_totals_are_the_totals_freshbooks_computes_to_the_cent(
    account, raw_entries, rates, grouping, increment, direction, level, taxes
):
    client, account_id, customer_id = account
    catalog = Catalog(
        clients={customer_id: ClientFacts(id=customer_id, name="Customer", currency_code="USD")},
        projects={
            index: ProjectFacts(
                id=index,
                title=f"Project {index}",
                client_id=customer_id,
                billing_method="project_rate",
                rate=rate,
            )
            for index, rate in enumerate(rates)
        },
        services={index: ServiceFacts(id=index, name=f"Service {index}") for index in range(3)},
    )
    facts = [
        TimeEntryFacts(
            id=number + 1,
            client_id=customer_id,
            project_id=project,
            service_id=service,
            team_member_id=None,
            started_at=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(seconds=offset),
            duration_seconds=seconds,
        )
        for number, (seconds, project, service, offset) in enumerate(raw_entries)
    ]
    options = BillingOptions(
        period=MAY,
        grouping=grouping,
        rounding=RoundingPolicy(increment_minutes=increment, direction=direction, level=level),
    )
    plan = plan_drafts(
        entries=facts,
        catalog=catalog,
        rules=[],
        options=options,
        business=BusinessFacts(timezone="UTC", currency_code="USD"),
        business_key="money-property",
        taxes=taxes,
    )
    [draft] = plan.drafts

    created = client.create_invoice(
        account_id,
        {
            "customerid": customer_id,
            "create_date": "2024-06-01",
            "lines": invoice_lines(draft.lines, "USD"),
        },
    )

    assert invoice_total(created) == draft.total
    assert created["amount"]["amount"] == f"{draft.total:.2f}"
    page = client.get_invoice(account_id, created["id"])
    subtotal = sum((Decimal(line["amount"]["amount"]) for line in page["lines"]), Decimal(0))
    assert subtotal == draft.subtotal
    shown = {(tax.name, tax.percent): tax.amount for tax in draft.totals.taxes}
    assert shown == {
        (item["name"], Decimal(item["rate"])): item["amount"] for item in tax_summary(page)
    }
