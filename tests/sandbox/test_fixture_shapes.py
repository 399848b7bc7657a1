"""Every recorded FreshBooks body in ``../shared/fixtures`` has a sandbox counterpart of the same
shape (see ``tests.sandbox.shapes`` for what "same shape" means).

Fixtures of the same object kind are siblings: a key or a null one of them shows is allowed in the
others (the Java SDK's client list simply lacks ``uuid``; an invoice list shows ``date_paid: null``
where a single invoice shows a date). Departures beyond that are listed below, each with its reason.

Not served, so not compared: the ledger-account fixtures (``/accounting/businesses/{uuid}/
ledger_accounts``), the upload fixtures (``/uploads``) and the Java SDK's item and payment bodies
(``/invoices/items``, ``/payments/payments``): the sandbox does not serve those families, which the
app does not use (it bills time and expenses, never catalogue items, and records no payments).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.sandbox.helpers import World
from tests.sandbox.shapes import Rules, assert_same_shape

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
NOT_SERVED = {
    "freshbooks/create_ledger_account_response__validation_errors.json",
    "freshbooks/get_ledger_account_response.json",
    "freshbooks/get_ledger_account_response__not_found.json",
    "freshbooks/list_ledger_accounts_response.json",
    "freshbooks/upload_attachment_response.json",
    "freshbooks/upload_image_response.json",
    "freshbooks-java/get_item_response.json",
    "freshbooks-java/list_items_response.json",
    "freshbooks-java/get_payment_response.json",
    "freshbooks-java/list_payments_response.json",
}
UNREACHABLE_URI = "http://127.0.0.1:9/hooks/freshbooks"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _dig(body: Any, path: str) -> list[dict]:
    """The objects at ``a.b[]``-style ``path`` in ``body``."""
    current = [body]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        current = [value[key] for value in current]
        if many:
            current = [item for value in current for item in value]
    return current


# Where each object kind sits in each fixture.
KINDS: dict[str, list[tuple[str, str]]] = {
    "client": [
        ("freshbooks/create_client_response.json", "response.result.client"),
        ("freshbooks/get_client_response.json", "response.result.client"),
        ("freshbooks/list_clients_response.json", "response.result.clients[]"),
        ("freshbooks-java/list_clients_response.json", "response.result.clients[]"),
    ],
    "invoice": [
        ("freshbooks-java/get_invoice_response.json", "response.result.invoice"),
        ("freshbooks-java/list_invoices_response.json", "response.result.invoices[]"),
    ],
    "project": [
        ("freshbooks/create_project_response.json", "project"),
        ("freshbooks/get_project_response.json", "project"),
        ("freshbooks/list_projects_response.json", "projects[]"),
    ],
    "time_entry": [
        ("freshbooks/get_time_entry_response.json", "time_entry"),
        ("freshbooks/list_time_entries_response.json", "time_entries[]"),
    ],
    "expense": [
        ("freshbooks-java/get_expense_response.json", "response.result.expense"),
        ("freshbooks-java/list_expenses_response.json", "response.result.expenses[]"),
    ],
    "tax": [
        ("freshbooks-java/get_tax_response.json", "response.result.tax"),
        ("freshbooks-java/list_taxes_response.json", "response.result.taxes[]"),
    ],
    "callback": [
        ("freshbooks/get_callback_response.json", "response.result.callback"),
        ("freshbooks/list_callbacks_response.json", "response.result.callbacks[]"),
    ],
}

# Reference §4: entries without a client are internal; project and service are optional.
ENTRY_NULLABLE = ("client_id", "project_id", "service_id")
# Reference §3/§4: meta totals (JAVA 2023) and the local start time fields (JAVA fixture).
ENTRY_EXTRAS = ("local_started_at", "local_timezone")


def sibling_rules(kind: str, object_path: str) -> Rules:
    keys, nullable = set(), set()
    for name, path in KINDS[kind]:
        for item in _dig(load(name), path):
            keys |= set(item)
            nullable |= {key for key, value in item.items() if value is None}
    return Rules(
        extra_keys=frozenset(f"{object_path}.{key}" for key in keys),
        nullable=frozenset(f"{object_path}.{key}" for key in nullable),
    )


def combine(*rules: Rules) -> Rules:
    return Rules(
        extra_keys=frozenset().union(*(r.extra_keys for r in rules)),
        nullable=frozenset().union(*(r.nullable for r in rules)),
        ignored=frozenset().union(*(r.ignored for r in rules)),
        maps=frozenset().union(*(r.maps for r in rules)),
    )


@dataclass
class Stage:
    """A seeded world with one of everything the fixtures show."""

    world: World
    client: dict
    invoice: dict
    project: dict
    time_entry: dict
    callback: dict
    service_id: int

    @property
    def api(self):
        return self.world.alice


@pytest.fixture
def stage(world: World) -> Stage:
    api, business_id = world.alice, world.business_id
    client = api.post(
        world.accounting("users/clients"),
        json={"client": {"email": "john.doe@abcorp.com", "p_city": "Toronto"}},
    ).json()["response"]["result"]["client"]
    invoice = api.post(
        world.accounting("invoices/invoices"),
        json={
            "invoice": {
                "customerid": client["id"],
                "create_date": "2024-04-16",
                "notes": "Thanks for your business",
                "discount_value": "10",
                "lines": [
                    {
                        "type": 0,
                        "name": "Bowls",
                        "description": "Melamine bowls",
                        "qty": 4,
                        "unit_cost": {"amount": "5.00", "code": client["currency_code"]},
                        "taxName1": "HST1",
                        "taxAmount1": "13",
                        "taxNumber1": "RT",
                    },
                    {
                        "name": "Mugs",
                        "qty": 6,
                        "unit_cost": {"amount": "4.00", "code": client["currency_code"]},
                    },
                ],
            }
        },
    ).json()["response"]["result"]["invoice"]
    world.sandbox.control.set_invoice_status(business_id, invoice["id"], "sent")
    services = api.get(f"/comments/business/{business_id}/services").json()["services"]
    project = api.post(
        f"/projects/business/{business_id}/project",
        json={
            "project": {
                "title": "Some Project",
                "client_id": client["id"],
                "budget": 21600,
                "fixed_price": "600.00",
                "project_type": "fixed_price",
                "billing_method": "project_rate",
                "due_date": "2024-01-02",
                "services": [{"id": services[0]["id"]}],
            }
        },
    ).json()["project"]
    entries = world.sandbox.control.time_entries(business_id)
    time_entry = next(e for e in entries if e["client_id"] and e["project_id"] and e["service_id"])
    callback = api.post(
        f"/events/account/{world.account_id}/events/callbacks",
        json={"callback": {"event": "invoice.create", "uri": UNREACHABLE_URI}},
    ).json()["response"]["result"]["callback"]
    verifier = world.sandbox.control.state(world.account_id, "callbacks")[0]["verifier"]
    api.put(
        f"/events/account/{world.account_id}/events/callbacks/{callback['callbackid']}",
        json={"callback": {"verifier": verifier}},
    )
    rated_service = next(
        rate["service_id"]
        for rate in api.get(f"/comments/business/{business_id}/service_rates").json()[
            "service_rates"
        ]
    )
    return Stage(world, client, invoice, project, time_entry, callback, rated_service)


def _anonymous(stage: Stage, path: str) -> Any:
    return requests.get(f"{stage.world.sandbox.url}{path}", timeout=10).json()


def _accounting(stage: Stage, path: str) -> str:
    return stage.world.accounting(path)


def _business(stage: Stage, path: str) -> str:
    return path.format(bid=stage.world.business_id, account=stage.world.account_id)


Producer = Callable[[Stage], Any]


def EXPENSE_NULLABLE(path: str) -> frozenset[str]:  # noqa: N802 - reads as the constant it makes
    """A receipt's attachment is null until there is one; an untaxed expense has no first tax."""
    keys = ("attachment", "profileid", "taxName1", "taxAmount1")
    return frozenset(f"{path}.{key}" for key in keys)


def _expense(stage: Stage) -> dict:
    """A billable expense with 13% tax, like the recorded one."""
    categories = stage.api.get(_accounting(stage, "expenses/categories")).json()
    body = {
        "expense": {
            "amount": {"amount": "54.00", "code": stage.client["currency_code"]},
            "categoryid": categories["response"]["result"]["categories"][0]["id"],
            "staffid": 1,
            "date": "2021-07-19",
            "vendor": "Serano Bakery",
            "notes": "For lunch",
            "clientid": stage.client["id"],
            "taxName1": "HST1",
            "taxPercent1": "13",
        }
    }
    response = stage.api.post(_accounting(stage, "expenses/expenses"), json=body)
    return response.json()["response"]["result"]["expense"]


def _tax(stage: Stage) -> dict:
    body = {"tax": {"name": "HST", "amount": "13", "number": "RT 1234"}}
    response = stage.api.post(_accounting(stage, "taxes/taxes"), json=body)
    return response.json()["response"]["result"]["tax"]


@dataclass
class Case:
    produce: Producer
    rules: Rules = Rules()


CASES: dict[str, Case] = {
    "freshbooks/auth_me_response.json": Case(
        lambda s: s.api.get("/auth/api/v1/users/me").json(),
        Rules(
            # Reference §2: businesses carry these (IRL live capture, 2026).
            extra_keys=frozenset(
                f"response.business_memberships[].business.{key}"
                for key in ("timezone", "active", "status", "billing_country_code")
            ),
            # Reference §2 / Appendix A: the client-only membership has no account.
            nullable=frozenset({"response.business_memberships[].business.account_id"}),
            maps=frozenset({"response.permissions", "response.subscription_statuses"}),
        ),
    ),
    "freshbooks/auth_me_response__no_auth.json": Case(
        lambda s: _anonymous(s, "/auth/api/v1/users/me")
    ),
    "freshbooks/auth_token_response.json": Case(
        lambda s: s.world.sandbox.control.obtain_tokens(
            client_id=s.world.sandbox.client_id,
            client_secret=s.world.sandbox.client_secret,
            redirect_uri=s.world.sandbox.redirect_uri,
            email=s.world.summary["users"][1]["email"],
        )
    ),
    "freshbooks/create_callback_response__validation_error.json": Case(
        lambda s: s.api.post(
            _business(s, "/events/account/{account}/events/callbacks"),
            json={"callback": {"event": "no.such", "uri": "not a url"}},
        ).json()
    ),
    "freshbooks/create_client_response.json": Case(
        lambda s: s.api.post(
            _accounting(s, "users/clients"), json={"client": {"organization": "ABC Corp"}}
        ).json(),
        sibling_rules("client", "response.result.client"),
    ),
    "freshbooks/create_project__validation_errors.json": Case(
        lambda s: s.api.post(
            _business(s, "/projects/business/{bid}/project"), json={"project": {}}
        ).json(),
        Rules(maps=frozenset({"error"})),
    ),
    "freshbooks/create_project_response.json": Case(
        lambda s: s.api.post(
            _business(s, "/projects/business/{bid}/project"),
            json={
                "project": {
                    "title": "Another",
                    "client_id": s.client["id"],
                    "budget": 3600,
                    "fixed_price": "100.00",
                    "project_type": "fixed_price",
                }
            },
        ).json(),
        sibling_rules("project", "project"),
    ),
    "freshbooks/get_callback_response.json": Case(
        lambda s: s.api.get(
            _business(s, f"/events/account/{{account}}/events/callbacks/{s.callback['callbackid']}")
        ).json(),
        sibling_rules("callback", "response.result.callback"),
    ),
    "freshbooks/get_callback_response__no_auth.json": Case(
        lambda s: _anonymous(s, _business(s, "/events/account/{account}/events/callbacks/1"))
    ),
    "freshbooks/get_callback_response__not_found.json": Case(
        lambda s: s.api.get(_business(s, "/events/account/{account}/events/callbacks/1")).json()
    ),
    "freshbooks/get_client_response.json": Case(
        lambda s: s.api.get(
            _accounting(s, f"users/clients/{s.client['id']}"),
            params={"include[]": ["outstanding_balance", "grand_total_balance"]},
        ).json(),
        combine(
            sibling_rules("client", "response.result.client"),
            Rules(
                ignored=frozenset(
                    {
                        # A key only the Python SDK's test fixture has (not FreshBooks data).
                        "response.result.client.test_amount",
                        # Money amounts are decimal strings (reference §9); the SDK fixture
                        # wrote integers here.
                        "response.result.client.outstanding_balance[].amount.amount",
                    }
                )
            ),
        ),
    ),
    "freshbooks/get_client_response__not_found.json": Case(
        lambda s: s.api.get(_accounting(s, "users/clients/12345")).json()
    ),
    "freshbooks-java/get_client_response__not_found_new.json": Case(
        lambda s: s.api.get(
            _accounting(s, "users/clients/12345"), headers={"X-API-VERSION": "2023-02-20"}
        ).json()
    ),
    "freshbooks/get_project_response.json": Case(
        lambda s: s.api.get(
            _business(s, f"/projects/business/{{bid}}/project/{s.project['id']}")
        ).json(),
        sibling_rules("project", "project"),
    ),
    "freshbooks/get_project_response__no_auth.json": Case(
        lambda s: _anonymous(s, _business(s, "/projects/business/{bid}/project/1"))
    ),
    "freshbooks/get_project_response__not_found.json": Case(
        lambda s: s.api.get(_business(s, "/projects/business/{bid}/project/1")).json()
    ),
    "freshbooks/get_time_entry_response.json": Case(
        lambda s: s.api.get(
            _business(s, f"/timetracking/business/{{bid}}/time_entries/{s.time_entry['id']}")
        ).json(),
        combine(
            sibling_rules("time_entry", "time_entry"),
            Rules(extra_keys=frozenset(f"time_entry.{key}" for key in ENTRY_EXTRAS)),
        ),
    ),
    "freshbooks/list_callbacks_response.json": Case(
        lambda s: s.api.get(_business(s, "/events/account/{account}/events/callbacks")).json(),
        sibling_rules("callback", "response.result.callbacks[]"),
    ),
    "freshbooks/list_clients_response.json": Case(
        lambda s: s.api.get(_accounting(s, "users/clients")).json(),
        sibling_rules("client", "response.result.clients[]"),
    ),
    "freshbooks-java/list_clients_response.json": Case(
        lambda s: s.api.get(_accounting(s, "users/clients")).json(),
        sibling_rules("client", "response.result.clients[]"),
    ),
    "freshbooks/list_projects_response.json": Case(
        lambda s: s.api.get(_business(s, "/projects/business/{bid}/projects")).json(),
        sibling_rules("project", "projects[]"),
    ),
    "freshbooks/list_time_entries_response.json": Case(
        lambda s: s.api.get(
            _business(s, "/timetracking/business/{bid}/time_entries"), params={"per_page": 100}
        ).json(),
        combine(
            sibling_rules("time_entry", "time_entries[]"),
            Rules(
                extra_keys=frozenset(
                    {f"time_entries[].{key}" for key in ENTRY_EXTRAS}
                    | {"meta.total_logged", "meta.total_unbilled"}
                ),
                nullable=frozenset(f"time_entries[].{key}" for key in ENTRY_NULLABLE),
            ),
        ),
    ),
    "freshbooks-java/get_invoice_response.json": Case(
        lambda s: s.api.get(
            _accounting(s, f"invoices/invoices/{s.invoice['id']}"),
            params={"include[]": ["lines", "presentation"]},
        ).json(),
        sibling_rules("invoice", "response.result.invoice"),
    ),
    "freshbooks-java/list_invoices_response.json": Case(
        lambda s: s.api.get(
            _accounting(s, "invoices/invoices"), params={"include[]": "lines"}
        ).json(),
        sibling_rules("invoice", "response.result.invoices[]"),
    ),
    "freshbooks-java/get_service_rate_response.json": Case(
        lambda s: s.api.get(
            _business(s, f"/comments/business/{{bid}}/service/{s.service_id}/rate")
        ).json()
    ),
    "freshbooks-java/list_service_rates_response.json": Case(
        lambda s: s.api.get(_business(s, "/comments/business/{bid}/service_rates")).json()
    ),
    "freshbooks-java/list_services_response.json": Case(
        lambda s: s.api.get(_business(s, "/comments/business/{bid}/services")).json()
    ),
    "freshbooks-java/get_expense_response.json": Case(
        lambda s: s.api.get(_accounting(s, f"expenses/expenses/{_expense(s)['id']}")).json(),
        combine(
            sibling_rules("expense", "response.result.expense"),
            Rules(nullable=EXPENSE_NULLABLE("response.result.expense")),
        ),
    ),
    "freshbooks-java/list_expenses_response.json": Case(
        lambda s: (_expense(s), s.api.get(_accounting(s, "expenses/expenses")).json())[1],
        combine(
            sibling_rules("expense", "response.result.expenses[]"),
            Rules(nullable=EXPENSE_NULLABLE("response.result.expenses[]")),
        ),
    ),
    "freshbooks-java/get_tax_response.json": Case(
        lambda s: s.api.get(_accounting(s, f"taxes/taxes/{_tax(s)['id']}")).json(),
        sibling_rules("tax", "response.result.tax"),
    ),
    "freshbooks-java/list_taxes_response.json": Case(
        lambda s: (_tax(s), s.api.get(_accounting(s, "taxes/taxes")).json())[1],
        sibling_rules("tax", "response.result.taxes[]"),
    ),
}


def test_every_fixture_is_compared_or_documented_as_not_served():
    recorded = {str(path.relative_to(FIXTURES)) for path in FIXTURES.glob("*/*.json")}
    assert recorded == set(CASES) | NOT_SERVED


@pytest.mark.parametrize("fixture_name", sorted(CASES))
def test_sandbox_body_has_the_fixture_shape(stage: Stage, fixture_name: str):
    case = CASES[fixture_name]
    assert_same_shape(case.produce(stage), load(fixture_name), rules=case.rules)


def test_the_recorded_invoice_arithmetic_is_reproduced(stage: Stage):
    """4 × 5.00 with 13% tax and 6 × 4.00, 10% off: the recorded invoice says 41.94."""
    invoice = stage.invoice
    assert invoice["amount"]["amount"] == "41.94"
    assert invoice["discount_total"]["amount"] == "-4.40"
