"""The billing rules' totals equal the invoice the (running) sandbox creates from the same lines, to
the cent, with random expenses and one or two taxes, compound or not; an expense is never billed
twice, nor in another currency than its client's, and voiding the invoice releases them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.billing import Period
from invoicing.billing.expenses import EXPENSES_ALL, ExpenseFacts, decide_expense
from invoicing.billing.taxes import LineTaxes, Tax, TaxedLine, invoice_totals
from tests.sandbox.helpers import Api, connect

MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def canadian(sandbox):
    """The seed's Canadian business (CAD, HST) through its owner's token, and a CAD client."""
    summary = sandbox.control.seed(clients=4, time_entries=10, months=1)
    business = summary["businesses"][1]
    api = connect(sandbox, identity_id=business["owner_identity_id"])
    path = f"/accounting/account/{business['account_id']}"
    clients = api.get(f"{path}/users/clients").json()["response"]["result"]["clients"]
    client = next(c for c in clients if c["currency_code"] == "CAD")
    category = api.get(f"{path}/expenses/categories").json()["response"]["result"]["categories"]
    return api, path, client, category[0]["id"]


def _expense(api: Api, path: str, client: dict, category: int, spec: dict) -> ExpenseFacts:
    body = {
        "amount": {"amount": str(spec["amount"]), "code": spec["currency"]},
        "categoryid": category,
        "staffid": 1,
        "date": "2024-03-15",
        "clientid": client["id"],
        "billable": True,
        "markup_percent": str(spec["markup"]),
        "vendor": "Vendor",
    }
    if spec["tax"] is not None:
        body.update({"taxName1": spec["tax"].name, "taxPercent1": str(spec["tax"].percent)})
    raw = api.post(f"{path}/expenses/expenses", json={"expense": body}).json()
    raw = raw["response"]["result"]["expense"]
    return ExpenseFacts(
        freshbooks_id=raw["id"],
        client_id=raw["clientid"],
        project_id=None,
        date=date.fromisoformat(raw["date"]),
        amount=Decimal(raw["amount"]["amount"]),
        currency_code=raw["amount"]["code"],
        markup_percent=Decimal(raw["markup_percent"]),
        tax_name1=raw["taxName1"] or "",
        tax_percent1=Decimal(raw["taxPercent1"]) if raw["taxPercent1"] else None,
        tax_amount1=Decimal(raw["taxAmount1"]["amount"]) if raw["taxAmount1"] else None,
        vendor=raw["vendor"],
    )


taxes = st.builds(
    Tax,
    name=st.sampled_from(["GST", "HST", "QST"]),
    percent=st.decimals(min_value=0, max_value=20, places=3),
)
time_lines = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=40, places=2),
        st.decimals(min_value=0, max_value=300, places=3),
        st.one_of(
            st.just(LineTaxes()),
            st.builds(LineTaxes, first=taxes),
            st.builds(LineTaxes, first=taxes, second=taxes, compound=st.booleans()),
        ),
    ),
    max_size=4,
)
expense_specs = st.lists(
    st.fixed_dictionaries(
        {
            "amount": st.decimals(min_value=1, max_value=5000, places=2),
            "currency": st.sampled_from(["CAD", "CAD", "USD"]),
            "markup": st.sampled_from([Decimal(0), Decimal(10), Decimal("12.5")]),
            "tax": st.one_of(st.none(), taxes),
        }
    ),
    max_size=4,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(time_lines=time_lines, specs=expense_specs)
def test_totals_equal_the_sandbox_invoice_and_expenses_bill_once(canadian, time_lines, specs):
    api, path, client, category = canadian
    expenses = [_expense(api, path, client, category, spec) for spec in specs]
    decisions = [
        decide_expense(
            expense,
            period=MARCH,
            choice=EXPENSES_ALL,
            project_ids=set(),
            client_currency="CAD",
            known_taxes=[],
        )
        for expense in expenses
    ]
    billed = [d.line for d in decisions if d.line is not None]
    assert all(d.expense.currency_code == "CAD" for d in decisions if d.line is not None)
    lines = [
        {
            "name": "Time",
            "qty": str(qty),
            "unit_cost": {"amount": str(rate), "code": "CAD"},
            **line_taxes.payload(),
        }
        for qty, rate, line_taxes in time_lines
    ] + [line.payload("CAD") for line in billed]
    if not lines:
        return
    expected = invoice_totals(
        [TaxedLine(qty * rate, line_taxes) for qty, rate, line_taxes in time_lines]
        + [TaxedLine(line.unit_cost, line.taxes) for line in billed]
    )

    created = api.post(
        f"{path}/invoices/invoices",
        json={"invoice": {"customerid": client["id"], "create_date": "2024-03-31", "lines": lines}},
    )

    assert created.status_code == 200, created.text
    invoice = created.json()["response"]["result"]["invoice"]
    assert Decimal(invoice["amount"]["amount"]) == expected.total
    again = api.post(
        f"{path}/invoices/invoices",
        json={"invoice": {"customerid": client["id"], "create_date": "2024-03-31", "lines": lines}},
    )
    assert again.status_code == (422 if billed else 200)
    for line in billed:
        expense = api.get(f"{path}/expenses/expenses/{line.expense_id}").json()
        assert expense["response"]["result"]["expense"]["invoiceid"] == invoice["id"]
    api.delete(f"{path}/invoices/invoices/{invoice['id']}")
    for line in billed:
        expense = api.get(f"{path}/expenses/expenses/{line.expense_id}").json()
        assert expense["response"]["result"]["expense"]["invoiceid"] is None
