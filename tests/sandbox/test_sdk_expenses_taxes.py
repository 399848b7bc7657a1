"""The official FreshBooks Python SDK (``freshbooks-sdk``), unmodified, against the sandbox: its
``expenses``, ``expenses_categories`` and ``taxes`` resources list, page, filter and create."""

from __future__ import annotations

import pytest
from freshbooks import Client, FilterBuilder, PaginateBuilder
from freshbooks.errors import FreshBooksError

from tests.sandbox.helpers import World


@pytest.fixture
def sdk(world: World, monkeypatch: pytest.MonkeyPatch) -> Client:
    """Bob's token (owner of the Canadian business); the SDK reads its base URL at start."""
    monkeypatch.setenv("FRESHBOOKS_API_URL", world.sandbox.url)
    return Client(client_id=world.sandbox.client_id, access_token=world.bob.access_token)


@pytest.fixture
def account_id(world: World) -> str:
    return world.other_business["account_id"]


def test_the_sdk_pages_through_every_expense(sdk: Client, account_id: str):
    first = sdk.expenses.list(account_id, builders=[PaginateBuilder(1, 3)])
    assert first.pages.per_page == 3 and first.pages.total > 3
    merged = first
    for page in range(2, first.pages.pages + 1):
        merged += sdk.expenses.list(account_id, builders=[PaginateBuilder(page, 3)])
    everything = sdk.expenses.list(account_id, builders=[PaginateBuilder(1, 100)])
    assert [e.id for e in merged] == [e.id for e in everything]
    assert len(everything) == first.pages.total


def test_the_sdk_creates_an_expense_and_filters_by_client_and_date(sdk: Client, account_id: str):
    category = sdk.expenses_categories.list(account_id)[0]
    client = next(c for c in sdk.clients.list(account_id) if c.currency_code == "CAD")
    created = sdk.expenses.create(
        account_id,
        {
            "amount": {"amount": "113.00", "code": "CAD"},
            "categoryid": category.id,
            "staffid": 1,
            "date": "2019-06-01",
            "clientid": client.id,
            "billable": True,
            "vendor": "Staples",
            "taxName1": "HST",
            "taxPercent1": "13",
        },
    )
    assert created.data["taxAmount1"]["amount"] == "13.00" and created.status == 1
    found = sdk.expenses.list(
        account_id,
        builders=[
            FilterBuilder()
            .in_list("clientid", [client.id])
            .between("date", "2019-01-01", "2019-12-31")
        ],
    )
    assert [e.id for e in found] == [created.id]
    assert sdk.expenses.get(account_id, created.id).vendor == "Staples"


def test_the_sdk_lists_creates_and_deletes_taxes(sdk: Client, account_id: str):
    assert [(t.name, t.amount) for t in sdk.taxes.list(account_id)] == [("HST", "13"), ("GST", "5")]
    created = sdk.taxes.create(account_id, {"name": "PST", "amount": "7", "number": "P-1"})
    assert (created.name, created.amount, created.compound) == ("PST", "7", False)
    paged = sdk.taxes.list(account_id, builders=[PaginateBuilder(2, 2)])
    assert [t.id for t in paged] == [created.id] and paged.pages.pages == 2
    sdk.taxes.delete(account_id, created.id)
    with pytest.raises(FreshBooksError) as raised:
        sdk.taxes.get(account_id, created.id)
    assert raised.value.status_code == 404


def test_the_sdk_sees_a_bad_tax_as_a_validation_error(sdk: Client, account_id: str):
    with pytest.raises(FreshBooksError) as raised:
        sdk.taxes.create(account_id, {"name": "Too much", "amount": "150"})
    assert raised.value.status_code == 422
    assert "percent" in str(raised.value)
