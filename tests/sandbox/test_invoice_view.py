"""The sandbox's invoice page (``/_sandbox/invoices/{account_id}/{invoice_id}``): a created invoice
can be read as FreshBooks' own invoice page shows it, without FreshBooks."""

from __future__ import annotations

import re

import requests

from tests.sandbox.helpers import World


def _result(response) -> dict:
    return response.json()["response"]["result"]


def _client(world: World) -> dict:
    return _result(world.alice.get(world.accounting("users/clients")))["clients"][0]


def _create_invoice(world: World, client: dict, **fields) -> dict:
    body = {"customerid": client["id"], "create_date": "2024-05-01", **fields}
    response = world.alice.post(world.accounting("invoices/invoices"), json={"invoice": body})
    assert response.status_code == 200, response.text
    return _result(response)["invoice"]


def _page(world: World, invoice_id: int, account_id: str | None = None) -> requests.Response:
    account = account_id or world.account_id
    return requests.get(f"{world.sandbox.url}/_sandbox/invoices/{account}/{invoice_id}", timeout=30)


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces squeezed, to read it as a person does."""
    body = re.sub(r"<(style|title)>.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def test_the_page_shows_number_client_date_lines_total_and_status(world: World):
    client = _client(world)
    code = client["currency_code"]
    invoice = _create_invoice(
        world,
        client,
        po_number="FBB-7-abc",
        notes="Time from 2024-04-01 to 2024-04-30.",
        lines=[
            {
                "name": "Design",
                "description": "2024-04-10, Ada",
                "qty": "1.5",
                "unit_cost": {"amount": "120", "code": code},
            },
            {"name": "Development", "qty": "2", "unit_cost": {"amount": "95.5", "code": code}},
        ],
    )

    response = _page(world, invoice["id"])

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    text = _text(response.text)
    assert f"Invoice {invoice['invoice_number']}" in text
    assert "Draft" in text
    assert client["organization"] in text
    assert "Date of issue 05/01/2024" in text  # the business's date format, mm/dd/yyyy
    assert "Design 2024-04-10, Ada 120.00 1.5 180.00" in text
    assert "Development 95.50 2 191.00" in text
    assert f"Subtotal 371.00 Total ({code}) 371.00" in text
    assert f"Amount due ({code}) 371.00" in text
    assert "Reference FBB-7-abc" in text
    assert "Tax" not in text  # no taxes on this invoice, so none listed


def test_taxes_and_a_discount_are_listed_when_present_and_add_up_to_the_total(world: World):
    """The recorded invoice: 4 × 5.00 with 13% tax, 6 × 4.00, 10% off = 41.94."""
    client = _client(world)
    code = client["currency_code"]
    invoice = _create_invoice(
        world,
        client,
        discount_value="10",
        lines=[
            {
                "name": "Taxed",
                "qty": 4,
                "unit_cost": {"amount": "5", "code": code},
                "taxName1": "HST",
                "taxAmount1": "13",
            },
            {"name": "Untaxed", "qty": 6, "unit_cost": {"amount": "4", "code": code}},
        ],
    )

    text = _text(_page(world, invoice["id"]).text)

    assert "Tax: HST 13%" in text
    assert "Subtotal 44.00 Discount (10%) -4.40 HST (13%) 2.34" in text
    assert f"Total ({code}) 41.94" in text
    assert invoice["amount"]["amount"] == "41.94"


def test_the_status_follows_the_invoice_sent_paid_and_deleted(world: World):
    invoice = _create_invoice(
        world, _client(world), lines=[{"name": "Work", "qty": 2, "unit_cost": {"amount": "50"}}]
    )
    control = world.sandbox.control

    control.set_invoice_status(world.business_id, invoice["id"], "sent")
    sent = _text(_page(world, invoice["id"]).text)
    control.set_invoice_status(world.business_id, invoice["id"], "paid")
    paid = _text(_page(world, invoice["id"]).text)
    world.alice.delete(world.accounting(f"invoices/invoices/{invoice['id']}"))
    deleted = _page(world, invoice["id"])

    assert "Sent" in sent
    due = f"Amount due ({invoice['currency_code']}) 0.00"
    assert "Paid" in paid and "Amount paid 100.00" in paid and due in paid
    assert deleted.status_code == 200 and "Deleted" in _text(deleted.text)


def test_an_unknown_invoice_or_another_accounts_id_is_a_plain_not_found_page(world: World):
    invoice = _create_invoice(world, _client(world))
    other_account = world.other_business["account_id"]

    for response in (
        _page(world, 987654),
        _page(world, invoice["id"], account_id=other_account),
        _page(world, invoice["id"], account_id="NOSUCH"),
    ):
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Invoice not found" in response.text


def test_names_and_notes_are_shown_as_text_never_as_markup(world: World):
    client = _client(world)
    invoice = _create_invoice(
        world,
        client,
        notes="<script>alert(1)</script>",
        lines=[{"name": "<b>bold</b>", "qty": 1, "unit_cost": {"amount": "1"}}],
    )

    html = _page(world, invoice["id"]).text

    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_reading_the_page_is_not_counted_as_an_api_call(world: World):
    invoice = _create_invoice(world, _client(world))
    world.sandbox.control.reset_calls()

    _page(world, invoice["id"])

    assert world.sandbox.control.calls().get("total", 0) == 0
