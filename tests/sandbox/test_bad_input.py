"""Garbage to every write route: a 4xx in the family's documented error shape, never a 500.

The routes come from the running app's own URL map, so a new write route is covered as soon as it
exists. Every route gets malformed JSON, JSON that is not an object, a missing or wrong wrapper,
and, one field at a time, values of the wrong type.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from sandbox.config import SandboxConfig
from sandbox.db import Database
from sandbox.server import create_app
from tests.sandbox.helpers import World

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
WEIRD_VALUES: list[Any] = [
    None,
    [],
    {},
    "",
    "x" * 5000,
    -1,
    1.5,
    True,
    "2024-13-45",
    10**30,
    "NaN",
    {"amount": "abc"},
]
FIELDS = {
    "time_entry": [
        "started_at",
        "duration",
        "is_logged",
        "identity_id",
        "client_id",
        "project_id",
        "service_id",
        "note",
        "billable",
        "billed",
    ],
    "client": [
        "fname",
        "organization",
        "email",
        "currency_code",
        "pref_email",
        "vis_state",
        "note",
    ],
    "invoice": [
        "customerid",
        "create_date",
        "due_offset_days",
        "currency_code",
        "lines",
        "discount_value",
        "status",
        "vis_state",
        "invoice_number",
        "action_mark_as_sent",
        "due_date",
    ],
    "project": [
        "title",
        "client_id",
        "budget",
        "fixed_price",
        "rate",
        "billing_method",
        "project_type",
        "due_date",
        "services",
        "active",
        "project_manager_id",
        "expense_markup",
    ],
    "service": ["name", "billable", "vis_state"],
    "service_rate": ["rate"],
    "project_service_rate": ["rate"],
    "team_member_rate": ["rate"],
    "callback": ["event", "uri", "verifier", "resend"],
    "expense": [
        "amount",
        "categoryid",
        "staffid",
        "date",
        "clientid",
        "projectid",
        "billable",
        "markup_percent",
        "taxName1",
        "taxPercent1",
        "taxAmount2",
        "compounded_tax",
        "vis_state",
    ],
    "tax": ["name", "amount", "number", "compound"],
}
BAD_LINES = [
    [{"qty": "many"}],
    [{"unit_cost": "5"}],
    [{"unit_cost": {"amount": "abc"}}],
    [{"unit_cost": {"amount": "1", "code": "XXX"}}],
    [{"type": 1}],
    [{"type": 1, "expenseid": 999}],
    [{"type": 1, "expenseid": "many"}],
    ["line"],
    [{"qty": -2, "taxAmount1": "lots"}],
]


def write_routes() -> list[tuple[str, str]]:
    app = create_app(SandboxConfig(control=False), Database(":memory:"))
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & set(WRITE_METHODS)):
            if rule.rule.startswith("/service/auth/"):
                continue  # aliases of /auth/oauth/*
            routes.append((method, rule.rule))
    return sorted(routes)


def wrapper_for(rule: str) -> str | None:
    if "/oauth/" in rule:
        return None
    ordered = [
        ("/team_member_rate/", "team_member_rate"),
        ("/project/<int:pid>/service/", "project_service_rate"),
        ("/rate", "service_rate"),
        ("/service", "service"),
        ("/project", "project"),
        ("/time_entries", "time_entry"),
        ("/users/clients", "client"),
        ("/invoices/invoices", "invoice"),
        ("/callbacks", "callback"),
        ("/expenses/expenses", "expense"),
        ("/taxes/taxes", "tax"),
    ]
    return next(key for marker, key in ordered if marker in rule)


def assert_family_error(path: str, response: requests.Response, sent: Any = None) -> None:
    assert response.status_code < 500, (
        f"{path} answered {response.status_code} to {sent!r}: {response.text}"
    )
    if response.status_code < 400:
        return
    if path.startswith("/oauth/authorize"):
        assert "text/html" in response.headers["Content-Type"]
        return
    body = response.json()
    if path.startswith("/accounting/"):
        errors = body["response"]["errors"]
        assert errors and all(isinstance(error["errno"], int) for error in errors)
        assert all(isinstance(error["message"], str) for error in errors)
    elif path.startswith(("/projects/", "/timetracking/", "/comments/")):
        assert isinstance(body.get("error"), (str, dict)), body
        if isinstance(body["error"], dict):
            assert body["errno"] == 2001
    elif path.startswith("/events/"):
        assert isinstance(body["errno"], int) and isinstance(body["message"], str)
    else:
        assert isinstance(body["error"], str) and isinstance(body["error_description"], str)


@pytest.fixture
def targets(world: World) -> dict[str, Any]:
    control, api = world.sandbox.control, world.alice
    entry = next(e for e in control.time_entries(world.business_id) if e["active"])
    project = api.get(f"/projects/business/{world.business_id}/projects").json()["projects"][0]
    service = api.get(f"/comments/business/{world.business_id}/services").json()["services"][0]
    client = api.get(world.accounting("users/clients")).json()["response"]["result"]["clients"][0]
    invoice = control.act_create(
        world.business_id, "invoices", customerid=client["id"], create_date="2024-01-01"
    )
    callback = api.post(
        f"/events/account/{world.account_id}/events/callbacks",
        json={"callback": {"event": "invoice", "uri": "http://127.0.0.1:9/hook"}},
    ).json()["response"]["result"]["callback"]
    expense = control.act_create(
        world.business_id,
        "expenses",
        amount={"amount": "10.00"},
        categoryid=api.get(world.accounting("expenses/categories")).json()["response"]["result"][
            "categories"
        ][0]["id"],
        staffid=1,
        date="2024-01-01",
    )
    tax = control.act_create(world.business_id, "taxes", name="VAT", amount="20")
    return {
        "expense_id": expense["id"],
        "tax_id": tax["id"],
        "bid": world.business_id,
        "account_id": world.account_id,
        "entry_id": entry["id"],
        "project_id": project["id"],
        "pid": project["id"],
        "service_id": service["id"],
        "sid": service["id"],
        "client_id": client["id"],
        "invoice_id": invoice["id"],
        "callback_id": callback["callbackid"],
        "identity_id": world.summary["users"][0]["identity_id"],
    }


def concrete(rule: str, targets: dict[str, Any]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: str(targets[match.group(1)]), rule)


def test_the_route_list_covers_every_family():
    """The list is read from the app, so a new write route gets the garbage below too."""
    routes = set(write_routes())
    for expected in (
        ("POST", "/auth/oauth/token"),
        ("POST", "/accounting/account/<account_id>/users/clients"),
        ("PUT", "/accounting/account/<account_id>/invoices/invoices/<int:invoice_id>"),
        ("POST", "/events/account/<account_id>/events/callbacks"),
        ("PUT", "/projects/business/<int:bid>/project/<int:project_id>"),
        ("POST", "/timetracking/business/<int:bid>/time_entries"),
        ("PUT", "/comments/business/<int:bid>/project/<int:pid>/service/<int:sid>/rate"),
        ("PUT", "/comments/business/<int:bid>/team_member_rate/<int:identity_id>"),
    ):
        assert expected in routes


@pytest.mark.parametrize(("method", "rule"), write_routes())
def test_garbage_to_a_write_route_is_a_documented_4xx_never_a_500(
    world: World, targets: dict[str, Any], method: str, rule: str
):
    path = concrete(rule, targets)
    api = world.alice
    headers = {"Content-Type": "application/json"}
    raw_bodies = [b"{not json", b"[1, 2, 3]", b'"a string"', b"", b"\xff\xfe", b"{}"]
    wrapper = wrapper_for(rule)
    if wrapper:
        raw_bodies += [
            f'{{"{wrapper}": "text"}}'.encode(),
            f'{{"{wrapper}": [1]}}'.encode(),
            f'{{"{wrapper}": null}}'.encode(),
        ]
    for raw in raw_bodies:
        response = api.request(method, path, data=raw, headers=headers)
        assert_family_error(path, response, raw)
        if method != "DELETE" and raw != b"{}" and "/oauth/" not in rule:
            assert 400 <= response.status_code < 500, (path, raw, response.status_code)
    if wrapper is None or method == "DELETE":
        return
    for field in FIELDS[wrapper]:
        for value in WEIRD_VALUES:
            response = api.request(method, path, json={wrapper: {field: value}})
            assert_family_error(path, response, {wrapper: {field: value}})
    if wrapper == "invoice":
        for lines in BAD_LINES:
            response = api.request(
                method,
                path,
                json={
                    "invoice": {
                        "customerid": targets["client_id"],
                        "create_date": "2024-01-01",
                        "lines": lines,
                    }
                },
            )
            assert_family_error(path, response, lines)
            assert response.status_code == 422, (lines, response.text)


def test_oauth_routes_answer_garbage_with_oauth_errors(sandbox):
    for path in ("/auth/oauth/token", "/auth/oauth/revoke"):
        for raw in (b"{not json", b"[]", b"grant_type=authorization_code&code=", b"\x00\x01"):
            response = requests.post(f"{sandbox.url}{path}", data=raw, timeout=10)
            assert 400 <= response.status_code < 500
            assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    "path",
    [
        "/timetracking/business/99999999999999999999999999/time_entries",
        "/accounting/account/ABC/invoices/invoices/99999999999999999999999",
        "/projects/business/1/projects?client_id=99999999999999999999999",
        "/timetracking/business/1/time_entries?page=99999999999999999999999",
        "/accounting/account/ABC/users/clients?search[userid]=99999999999999999999999",
    ],
)
def test_huge_numbers_in_paths_and_queries_are_not_server_errors(world: World, path: str):
    path = path.replace("/1/", f"/{world.business_id}/").replace("ABC", world.account_id)
    response = world.alice.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert_family_error(path, response)


def test_control_routes_refuse_garbage_with_422(world: World):
    url = world.sandbox.url
    for method, path in (
        ("POST", "/_sandbox/seed"),
        ("POST", "/_sandbox/faults"),
        ("POST", "/_sandbox/tokens/rotate"),
        ("POST", "/_sandbox/oauth/grant"),
        ("POST", f"/_sandbox/act/{world.business_id}/time_entries"),
        ("POST", f"/_sandbox/act/{world.business_id}/invoices"),
        ("POST", "/_sandbox/webhooks/mode"),
    ):
        for body in ({"users": "many", "kind": 5, "identity_id": [], "duplicate": "x"}, [1]):
            response = requests.request(method, f"{url}{path}", json=body, timeout=30)
            assert 400 <= response.status_code < 500, (path, response.text)
            assert isinstance(response.json()["error"], str)
