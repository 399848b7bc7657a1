"""Expense and tax bodies → mirror columns: the recorded bodies, and bodies the billing rules must
be able to refuse with a reason rather than the sync dropping them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from invoicing.sync.expense_mappers import expense_columns, tax_columns
from invoicing.sync.mappers import Unusable

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "freshbooks-java"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["response"]["result"]


def test_the_recorded_expense_maps_to_its_columns():
    columns = expense_columns(recorded("get_expense_response")["expense"])
    assert columns["freshbooks_id"] == 23456
    assert (columns["amount"], columns["currency_code"]) == (Decimal("54.00"), "CAD")
    assert (columns["tax_name1"], columns["tax_amount1"], columns["tax_percent1"]) == (
        "HST1",
        Decimal("6.21"),
        None,
    )
    assert columns["client_freshbooks_id"] is None and columns["project_freshbooks_id"] is None
    assert columns["billable"] is False and columns["status"] == 0 and columns["active"] is True
    assert columns["vendor"] == "Serano Bakery" and columns["markup_percent"] == Decimal(0)


def test_the_recorded_taxes_map_to_name_percent_number_and_compound():
    taxes = [tax_columns(raw) for raw in recorded("list_taxes_response")["taxes"]]
    assert [(t["name"], t["percent"], t["number"], t["compound"]) for t in taxes] == [
        ("HST", Decimal("13"), "RT 1234", False),
        ("GST", Decimal("5"), "RT 1235", False),
    ]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (None, (None, "")),
        ({"code": "CAD"}, (None, "CAD")),
        ({"amount": "x", "code": "zz"}, (None, "ZZ")),
    ],
)
def test_an_expense_without_a_usable_amount_is_kept_with_none(amount, expected):
    columns = expense_columns({"id": 7, "amount": amount, "billable": True})
    assert (columns["amount"], columns["currency_code"]) == expected


@pytest.mark.parametrize("percent", ["101", "-5", "lots"])
def test_a_tax_percent_outside_0_to_100_is_kept_as_none(percent):
    assert tax_columns({"id": 3, "name": "Odd", "amount": percent})["percent"] is None


def test_an_expense_without_an_id_cannot_be_mirrored():
    with pytest.raises(Unusable):
        expense_columns({"amount": {"amount": "1.00", "code": "USD"}})
