"""Accounting clients and invoices (reference §6, §7, §9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.sandbox.helpers import World


def _result(response) -> dict:
    return response.json()["response"]["result"]


def _a_client(world: World) -> dict:
    return _result(world.alice.get(world.accounting("users/clients")))["clients"][0]


def _invoice(world: World, client: dict, **fields) -> dict:
    body = {"customerid": client["id"], "create_date": "2024-05-01", **fields}
    response = world.alice.post(
        world.accounting("invoices/invoices"),
        params={"include[]": "lines"},
        json={"invoice": body},
    )
    assert response.status_code == 200, response.text
    return _result(response)["invoice"]


def test_a_client_needs_a_name_an_email_or_an_organization(world: World):
    response = world.alice.post(world.accounting("users/clients"), json={"client": {"note": "x"}})
    assert response.status_code == 422
    (error,) = response.json()["response"]["errors"]
    assert (error["errno"], error["field"], error["object"]) == (7012, None, "client")


def test_a_new_client_defaults_its_organization_and_currency(world: World):
    client = _result(
        world.alice.post(world.accounting("users/clients"), json={"client": {"email": "a@b.co"}})
    )["client"]
    assert client["organization"] == "a@b.co"
    assert client["id"] == client["userid"]
    assert client["currency_code"] == world.business["currency_code"]
    assert client["vis_state"] == 0


def test_a_put_with_vis_state_ignores_every_other_field(world: World):
    client = _a_client(world)
    path = world.accounting(f"users/clients/{client['id']}")
    response = world.alice.put(path, json={"client": {"vis_state": 1, "fname": "Changed"}})
    assert _result(response)["client"]["vis_state"] == 1
    assert _result(response)["client"]["fname"] == client["fname"]
    listed = _result(world.alice.get(world.accounting("users/clients"), params={"per_page": 100}))
    assert client["id"] not in {c["id"] for c in listed["clients"]}
    deleted = _result(
        world.alice.get(world.accounting("users/clients"), params={"search[vis_state]": 1})
    )
    assert [c["id"] for c in deleted["clients"]] == [client["id"]]


def test_client_searches(world: World):
    client = _a_client(world)
    by_email = _result(
        world.alice.get(
            world.accounting("users/clients"), params={"search[email]": client["email"]}
        )
    )
    assert [c["id"] for c in by_email["clients"]] == [client["id"]]
    by_like = _result(
        world.alice.get(
            world.accounting("users/clients"),
            params={"search[organization_like]": client["organization"][:4].lower()},
        )
    )
    assert client["id"] in {c["id"] for c in by_like["clients"]}
    everyone = _result(world.alice.get(world.accounting("users/clients")))
    ignored = _result(
        world.alice.get(world.accounting("users/clients"), params={"search[organization]": "zzz"})
    )
    # FreshBooks silently ignores the base key (only *_like filters by organization)
    assert ignored["total"] == everyone["total"] > 1


def test_a_new_invoice_is_a_draft_with_computed_line_amounts(world: World):
    client = _a_client(world)
    code = client["currency_code"]
    invoice = _invoice(
        world,
        client,
        lines=[
            {
                "type": 0,
                "name": "Design",
                "qty": "1.5",
                "unit_cost": {"amount": "33.333", "code": code},
            },
            {"name": "Dev", "qty": 2, "unit_cost": {"amount": "0.125", "code": code}},
        ],
    )
    assert (invoice["status"], invoice["v3_status"], invoice["payment_status"]) == (
        1,
        "draft",
        "unpaid",
    )
    assert [line["amount"]["amount"] for line in invoice["lines"]] == ["50.00", "0.25"]
    assert invoice["amount"] == {"amount": "50.25", "code": code}
    assert invoice["outstanding"]["amount"] == "50.25"
    assert invoice["currency_code"] == code
    assert invoice["invoice_number"] == "0000001"
    assert invoice["customerid"] == client["id"]


def test_lines_are_returned_only_when_included(world: World):
    client = _a_client(world)
    invoice = _invoice(world, client, lines=[{"name": "x", "qty": 1, "unit_cost": {"amount": "1"}}])
    plain = _result(world.alice.get(world.accounting(f"invoices/invoices/{invoice['id']}")))
    assert "lines" not in plain["invoice"]
    included = _result(
        world.alice.get(
            world.accounting(f"invoices/invoices/{invoice['id']}"), params={"include[]": "lines"}
        )
    )
    assert len(included["invoice"]["lines"]) == 1


def test_customerid_and_create_date_are_required(world: World):
    response = world.alice.post(world.accounting("invoices/invoices"), json={"invoice": {}})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["response"]["errors"]}
    assert fields == {"customerid", "create_date"}
    assert {e["errno"] for e in response.json()["response"]["errors"]} == {1001}


def test_due_date_is_read_only(world: World):
    invoice = _invoice(world, _a_client(world), due_offset_days=14)
    assert invoice["due_date"] == "2024-05-15"
    response = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"),
        json={"invoice": {"due_date": "2024-06-01"}},
    )
    assert response.status_code == 403
    assert response.json()["response"]["errors"][0]["errno"] == 1038


def test_a_string_status_is_refused_with_errno_1015(world: World):
    invoice = _invoice(world, _a_client(world))
    response = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"), json={"invoice": {"status": "sent"}}
    )
    assert response.status_code == 422
    assert response.json()["response"]["errors"][0]["errno"] == 1015


def test_a_put_with_lines_replaces_every_line(world: World):
    client = _a_client(world)
    invoice = _invoice(
        world,
        client,
        lines=[{"name": "a", "qty": 1, "unit_cost": {"amount": "10"}}] * 3,
    )
    response = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"),
        params={"include[]": "lines"},
        json={"invoice": {"lines": [{"name": "only", "qty": 2, "unit_cost": {"amount": "7"}}]}},
    )
    updated = _result(response)["invoice"]
    assert [line["name"] for line in updated["lines"]] == ["only"]
    assert updated["amount"]["amount"] == "14.00"


def test_a_put_with_vis_state_deletes_and_ignores_other_fields(world: World):
    invoice = _invoice(world, _a_client(world), notes="keep")
    response = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"),
        json={"invoice": {"vis_state": 1, "notes": "ignored"}},
    )
    deleted = _result(response)["invoice"]
    assert (deleted["vis_state"], deleted["notes"]) == (1, "keep")
    edit = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"), json={"invoice": {"notes": "x"}}
    )
    assert edit.status_code == 422
    assert edit.json()["response"]["errors"][0]["errno"] == 1011


def test_http_delete_deletes_and_lists_hide_deleted_invoices(world: World):
    invoice = _invoice(world, _a_client(world))
    response = world.alice.delete(world.accounting(f"invoices/invoices/{invoice['id']}"))
    assert (response.status_code, response.json()) == (200, {"response": {}})
    fetched = _result(world.alice.get(world.accounting(f"invoices/invoices/{invoice['id']}")))
    assert fetched["invoice"]["vis_state"] == 1
    assert _result(world.alice.get(world.accounting("invoices/invoices")))["total"] == 0


def test_listing_by_customer_and_date_range_finds_the_invoice_again(world: World):
    """How the app reconciles a draft whose create call timed out."""
    clients = _result(world.alice.get(world.accounting("users/clients")))["clients"]
    ours = _invoice(world, clients[0], create_date="2024-05-10", po_number="draft-42")
    _invoice(world, clients[0], create_date="2024-04-10")
    _invoice(world, clients[1], create_date="2024-05-10")
    found = _result(
        world.alice.get(
            world.accounting("invoices/invoices"),
            params={
                "search[customerid]": clients[0]["id"],
                "search[date_min]": "2024-05-01",
                "search[date_max]": "2024-05-31",
            },
        )
    )
    assert [invoice["id"] for invoice in found["invoices"]] == [ours["id"]]
    by_reference = _result(
        world.alice.get(
            world.accounting("invoices/invoices"), params={"search[po_number]": "draft-42"}
        )
    )
    assert [invoice["id"] for invoice in by_reference["invoices"]] == [ours["id"]]
    by_number = _result(
        world.alice.get(
            world.accounting("invoices/invoices"),
            params={"search[invoice_number]": ours["invoice_number"]},
        )
    )
    assert [invoice["id"] for invoice in by_number["invoices"]] == [ours["id"]]


def test_updated_min_is_eastern_wall_time(world: World):
    invoice = _invoice(world, _a_client(world))
    now_eastern = datetime.now(ZoneInfo("America/New_York"))
    before = (now_eastern - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    after = (now_eastern + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    path = world.accounting("invoices/invoices")
    recent = _result(world.alice.get(path, params={"search[updated_min]": before}))
    assert [i["id"] for i in recent["invoices"]] == [invoice["id"]]
    assert _result(world.alice.get(path, params={"search[updated_min]": after}))["total"] == 0


def test_per_page_is_capped_and_an_empty_list_has_zero_pages(world: World):
    empty = _result(
        world.alice.get(world.accounting("invoices/invoices"), params={"per_page": 500})
    )
    assert empty == {"invoices": [], "page": 1, "pages": 0, "per_page": 100, "total": 0}


def test_control_status_changes_mark_an_invoice_sent_then_paid(world: World):
    invoice = _invoice(
        world, _a_client(world), lines=[{"name": "x", "qty": 1, "unit_cost": {"amount": "80"}}]
    )
    sent = world.sandbox.control.set_invoice_status(world.business_id, invoice["id"], "sent")
    assert (sent["status"], sent["v3_status"]) == (2, "sent")
    paid = world.sandbox.control.set_invoice_status(world.business_id, invoice["id"], "paid")
    assert (paid["status"], paid["payment_status"]) == (4, "paid")
    assert paid["outstanding"]["amount"] == "0.00"
    assert paid["paid"]["amount"] == "80.00"
    assert paid["date_paid"] is not None


def test_action_mark_as_sent_sends(world: World):
    invoice = _invoice(world, _a_client(world))
    response = world.alice.put(
        world.accounting(f"invoices/invoices/{invoice['id']}"),
        json={"invoice": {"action_mark_as_sent": True}},
    )
    assert _result(response)["invoice"]["v3_status"] == "sent"


def test_a_line_in_another_currency_is_refused(world: World):
    client = _a_client(world)
    other = "EUR" if client["currency_code"] != "EUR" else "USD"
    response = world.alice.post(
        world.accounting("invoices/invoices"),
        json={
            "invoice": {
                "customerid": client["id"],
                "create_date": "2024-05-01",
                "lines": [{"name": "x", "qty": 1, "unit_cost": {"amount": "1", "code": other}}],
            }
        },
    )
    assert response.status_code == 422
    assert response.json()["response"]["errors"][0]["field"] == "lines[0].unit_cost.code"
