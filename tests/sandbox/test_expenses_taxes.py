"""Expenses, expense categories and taxes: paths, envelopes, filters, paging, errors, and what an
invoice's expense lines (type 1) and line taxes do."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.helpers import Api, WebhookReceiver, World


def _result(response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["response"]["result"]


def _canadian(world: World) -> tuple[Api, str, dict]:
    """Bob's business (Canadian, CAD, with HST) and one of its CAD clients."""
    account_id = world.other_business["account_id"]
    clients = _result(world.bob.get(f"/accounting/account/{account_id}/users/clients"))["clients"]
    client = next(c for c in clients if c["currency_code"] == "CAD")
    return world.bob, account_id, client


def _category(api: Api, account_id: str) -> int:
    path = f"/accounting/account/{account_id}/expenses/categories"
    return _result(api.get(path))["categories"][0]["id"]


def _new_expense(api: Api, account_id: str, **fields: Any) -> dict:
    body = {
        "amount": {"amount": "100.00"},
        "categoryid": _category(api, account_id),
        "staffid": 1,
        "date": "2024-03-10",
        "billable": True,
        **fields,
    }
    response = api.post(
        f"/accounting/account/{account_id}/expenses/expenses", json={"expense": body}
    )
    return _result(response)["expense"]


def _expenses(api: Api, account_id: str, **params: Any) -> dict:
    return _result(api.get(f"/accounting/account/{account_id}/expenses/expenses", params=params))


def _invoice(api: Api, account_id: str, client: dict, lines: list[dict]):
    return api.post(
        f"/accounting/account/{account_id}/invoices/invoices",
        json={"invoice": {"customerid": client["id"], "create_date": "2024-03-31", "lines": lines}},
    )


def _expense_line(expense: dict, *, cost: str = "100.00") -> dict:
    return {
        "type": 1,
        "expenseid": expense["id"],
        "name": "Expense",
        "qty": 1,
        "unit_cost": {"amount": cost, "code": expense["amount"]["code"]},
    }


def test_an_expense_amount_includes_its_tax_as_the_recorded_one_does(world: World):
    """The recorded expense: 54.00 with 13% HST holds 6.21 of tax (54.00 − 54.00 / 1.13)."""
    api, account_id, client = _canadian(world)
    expense = _new_expense(
        api,
        account_id,
        amount={"amount": "54.00", "code": "CAD"},
        clientid=client["id"],
        taxName1="HST",
        taxPercent1="13",
    )
    assert expense["taxAmount1"] == {"amount": "6.21", "code": "CAD"}
    assert expense["status"] == 1 and expense["invoiceid"] is None
    fetched = _result(
        api.get(f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}")
    )
    assert fetched["expense"] == expense


def test_compound_expense_taxes_apply_the_second_on_the_amount_plus_the_first(world: World):
    api, account_id, _client = _canadian(world)
    expense = _new_expense(
        api,
        account_id,
        amount={"amount": "115.50", "code": "CAD"},
        taxName1="GST",
        taxPercent1="5",
        taxName2="QST",
        taxPercent2="10",
        compounded_tax=True,
    )
    # 115.50 = 100 × 1.05 × 1.10: 5.00 of GST and 10.50 of QST.
    assert expense["taxAmount1"]["amount"] == "5.00"
    assert expense["taxAmount2"]["amount"] == "10.50"


def test_expense_filters_and_pages(world: World):
    api, account_id, client = _canadian(world)
    projects = api.get(f"/projects/business/{world.other_business['business_id']}/projects")
    project = next(p for p in projects.json()["projects"] if p["client_id"] == client["id"])
    mine = [
        _new_expense(api, account_id, clientid=client["id"], date="2020-01-05"),
        _new_expense(
            api, account_id, clientid=client["id"], projectid=project["id"], date="2020-01-20"
        ),
        _new_expense(api, account_id, clientid=client["id"], date="2020-02-03"),
    ]
    by_client = _expenses(api, account_id, **{"search[clientid]": client["id"], "per_page": 100})
    assert {e["id"] for e in mine} <= {e["id"] for e in by_client["expenses"]}
    assert all(e["clientid"] == client["id"] for e in by_client["expenses"])
    by_project = _expenses(api, account_id, **{"search[projectid]": project["id"]})
    assert mine[1]["id"] in [e["id"] for e in by_project["expenses"]]
    assert all(e["projectid"] == project["id"] for e in by_project["expenses"])
    january = _expenses(
        api,
        account_id,
        **{"search[date_min]": "2020-01-01", "search[date_max]": "2020-01-31"},
    )
    assert [e["id"] for e in january["expenses"]] == [mine[1]["id"], mine[0]["id"]]
    everything = _expenses(api, account_id, per_page=100)
    first = _expenses(api, account_id, per_page=2, page=1)
    second = _expenses(api, account_id, per_page=2, page=2)
    assert first["total"] == everything["total"] and first["pages"] == -(-first["total"] // 2)
    assert [e["id"] for e in first["expenses"] + second["expenses"]] == [
        e["id"] for e in everything["expenses"][:4]
    ]


def test_updated_min_finds_only_what_changed_since(world: World):
    api, account_id, _client = _canadian(world)
    expense = _new_expense(api, account_id)
    since = expense["updated"]
    changed = _expenses(api, account_id, **{"search[updated_min]": since, "per_page": 100})
    assert expense["id"] in [e["id"] for e in changed["expenses"]]
    assert all(e["updated"] >= since for e in changed["expenses"])
    later = _expenses(api, account_id, **{"search[updated_min]": "2099-01-01"})
    assert later["expenses"] == [] and later["total"] == 0


def test_a_deleted_expense_leaves_lists_but_can_be_fetched(world: World):
    api, account_id, _client = _canadian(world)
    expense = _new_expense(api, account_id)
    path = f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}"
    assert api.delete(path).json() == {"response": {}}
    assert _result(api.get(path))["expense"]["vis_state"] == 1
    listed = _expenses(api, account_id, per_page=100)
    assert expense["id"] not in [e["id"] for e in listed["expenses"]]
    deleted = _expenses(api, account_id, **{"search[vis_state]": 1})
    assert [e["id"] for e in deleted["expenses"]] == [expense["id"]]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": {"amount": "5.00", "code": "XYZ"}}, "amount.code"),
        ({"taxPercent1": "101"}, "taxPercent1"),
        ({"taxPercent2": "-1"}, "taxPercent2"),
        ({"categoryid": 1}, "categoryid"),
        ({"clientid": 1}, "clientid"),
    ],
)
def test_bad_expenses_are_refused_with_the_field_named(world: World, fields: dict, field: str):
    api, account_id, _client = _canadian(world)
    body = {
        "amount": {"amount": "10.00"},
        "categoryid": _category(api, account_id),
        "staffid": 1,
        "date": "2024-01-01",
        **fields,
    }
    response = api.post(
        f"/accounting/account/{account_id}/expenses/expenses", json={"expense": body}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["response"]["errors"]] == [field]


def test_taxes_crud_and_percent_limits(world: World):
    api, account_id, _client = _canadian(world)
    path = f"/accounting/account/{account_id}/taxes/taxes"
    seeded = _result(api.get(path))
    assert [(t["name"], t["amount"]) for t in seeded["taxes"]] == [("HST", "13"), ("GST", "5")]
    tax = _result(api.post(path, json={"tax": {"name": "PST", "amount": "7", "compound": True}}))
    assert tax["tax"]["compound"] is True and tax["tax"]["taxid"] == tax["tax"]["id"]
    tax_path = f"{path}/{tax['tax']['id']}"
    updated = _result(api.put(tax_path, json={"tax": {"amount": "8.5"}}))["tax"]
    assert updated["amount"] == "8.5" and updated["name"] == "PST"
    for percent in ("100.01", "-3"):
        refused = api.post(path, json={"tax": {"name": "Bad", "amount": percent}})
        assert refused.status_code == 422
        assert refused.json()["response"]["errors"][0]["field"] == "amount"
    assert api.delete(tax_path).json() == {"response": {}}
    assert api.get(tax_path).status_code == 404
    assert _result(api.get(path))["total"] == 2


def test_a_us_business_has_no_taxes_but_billable_expenses(world: World):
    taxes = _result(world.alice.get(world.accounting("taxes/taxes")))
    assert taxes["taxes"] == []
    expenses = _expenses(world.alice, world.account_id, per_page=100)["expenses"]
    assert any(e["billable"] and e["status"] == 1 for e in expenses)


def test_an_expense_line_bills_the_expense_and_deleting_the_invoice_releases_it(world: World):
    api, account_id, client = _canadian(world)
    expense = _new_expense(api, account_id, clientid=client["id"])
    invoice = _result(_invoice(api, account_id, client, [_expense_line(expense)]))["invoice"]
    path = f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}"
    billed = _result(api.get(path))["expense"]
    assert (billed["invoiceid"], billed["status"]) == (invoice["id"], 2)
    lines = _result(
        api.get(
            f"/accounting/account/{account_id}/invoices/invoices/{invoice['id']}",
            params={"include[]": "lines"},
        )
    )["invoice"]["lines"]
    assert (lines[0]["type"], lines[0]["expenseid"]) == (1, expense["id"])

    twice = _invoice(api, account_id, client, [_expense_line(expense)])
    assert twice.status_code == 422
    assert "already billed" in twice.json()["response"]["errors"][0]["message"]

    api.delete(f"/accounting/account/{account_id}/invoices/invoices/{invoice['id']}")
    released = _result(api.get(path))["expense"]
    assert (released["invoiceid"], released["status"]) == (None, 1)
    again = _result(_invoice(api, account_id, client, [_expense_line(expense)]))["invoice"]
    assert _result(api.get(path))["expense"]["invoiceid"] == again["id"]


def test_replacing_an_invoices_lines_releases_the_expenses_it_no_longer_names(world: World):
    api, account_id, client = _canadian(world)
    expense = _new_expense(api, account_id, clientid=client["id"])
    invoice = _result(_invoice(api, account_id, client, [_expense_line(expense)]))["invoice"]
    api.put(
        f"/accounting/account/{account_id}/invoices/invoices/{invoice['id']}",
        json={"invoice": {"lines": [{"name": "Time", "qty": 1, "unit_cost": {"amount": "5"}}]}},
    )
    path = f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}"
    assert _result(api.get(path))["expense"]["invoiceid"] is None


def test_an_invoice_naming_a_deleted_or_foreign_currency_expense_bills_nothing(world: World):
    api, account_id, client = _canadian(world)
    good = _new_expense(api, account_id, clientid=client["id"])
    gone = _new_expense(api, account_id, clientid=client["id"])
    api.delete(f"/accounting/account/{account_id}/expenses/expenses/{gone['id']}")
    dollars = _new_expense(api, account_id, amount={"amount": "10.00", "code": "USD"})
    for bad in (gone, dollars):
        line = {**_expense_line(bad), "unit_cost": {"amount": "10.00", "code": "CAD"}}
        response = _invoice(api, account_id, client, [_expense_line(good), line])
        assert response.status_code == 422, response.text
        assert response.json()["response"]["errors"][0]["field"] == "lines[1].expenseid"
    path = f"/accounting/account/{account_id}/expenses/expenses/{good['id']}"
    assert _result(api.get(path))["expense"]["invoiceid"] is None


def test_invoice_totals_with_two_taxes_compound_or_not(world: World):
    api, account_id, client = _canadian(world)
    line = {"name": "Work", "qty": "3", "unit_cost": {"amount": "33.33", "code": "CAD"}}
    plain = {**line, "taxName1": "GST", "taxAmount1": "5", "taxName2": "PST", "taxAmount2": "7"}
    compound = {**plain, "compounded_tax": True}
    # 99.99 + 12% = 111.9888 → 111.99; compound: 99.99 × 1.05 × 1.07 = 112.338765 → 112.34.
    for lines, total in (([plain], "111.99"), ([compound], "112.34")):
        invoice = _result(_invoice(api, account_id, client, lines))["invoice"]
        assert invoice["amount"]["amount"] == total


def test_expense_and_tax_changes_raise_webhooks(world: World):
    api, account_id, client = _canadian(world)
    with WebhookReceiver() as receiver:
        for event in ("expense", "tax"):
            callback = _result(
                api.post(
                    f"/events/account/{account_id}/events/callbacks",
                    json={"callback": {"event": event, "uri": receiver.uri}},
                )
            )["callback"]
            world.sandbox.control.flush_webhooks()
            verifier = receiver.events("callback.verify")[-1].form["verifier"]
            api.put(
                f"/events/account/{account_id}/events/callbacks/{callback['callbackid']}",
                json={"callback": {"verifier": verifier}},
            )
        expense = _new_expense(api, account_id, clientid=client["id"])
        _invoice(api, account_id, client, [_expense_line(expense)])
        api.delete(f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}")
        tax = _result(
            api.post(
                f"/accounting/account/{account_id}/taxes/taxes",
                json={"tax": {"name": "PST", "amount": "7"}},
            )
        )["tax"]
        api.put(
            f"/accounting/account/{account_id}/taxes/taxes/{tax['id']}",
            json={"tax": {"amount": "8"}},
        )
        api.delete(f"/accounting/account/{account_id}/taxes/taxes/{tax['id']}")
        world.sandbox.control.flush_webhooks()
        names = [
            (post.form["name"], post.form["object_id"])
            for post in receiver.received
            if post.form["name"] != "callback.verify"
        ]
    expense_id, tax_id = str(expense["id"]), str(tax["id"])
    assert names == [
        ("expense.create", expense_id),
        ("expense.update", expense_id),
        ("expense.delete", expense_id),
        ("tax.create", tax_id),
        ("tax.update", tax_id),
        ("tax.delete", tax_id),
    ]


def test_an_invoice_whose_expense_was_deleted_since_can_still_be_sent(world: World):
    """Only new lines are checked: marking the invoice sent does not trip over its old lines."""
    api, account_id, client = _canadian(world)
    expense = _new_expense(api, account_id, clientid=client["id"])
    invoice = _result(_invoice(api, account_id, client, [_expense_line(expense)]))["invoice"]
    api.delete(f"/accounting/account/{account_id}/expenses/expenses/{expense['id']}")
    sent = api.put(
        f"/accounting/account/{account_id}/invoices/invoices/{invoice['id']}",
        json={"invoice": {"action_mark_as_sent": True}},
    )
    assert _result(sent)["invoice"]["v3_status"] == "sent"
