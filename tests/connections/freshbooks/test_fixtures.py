"""Every recorded FreshBooks body in shared/fixtures goes through the client.

Success bodies come back as dicts/pages whose money and datetimes parse; error bodies become the
right typed error with errno, field and message filled. A new fixture file without a case here
fails `test_every_fixture_file_has_a_case`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import responses

from connections.freshbooks import (
    AuthenticationError,
    FreshBooksClient,
    NotFound,
    OAuthClient,
    ValidationError,
    envelopes,
    parse_accounting_datetime,
    parse_date,
    parse_decimal,
    parse_money,
    parse_utc_datetime,
)

from .conftest import ACCESS_TOKEN, API, all_fixture_names, load_fixture

ACCOUNT = "ACM123"
BUSINESS = 439000

Case = Callable[[FreshBooksClient, responses.RequestsMock, Any], None]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def expect_unauthorized(mocked, client, method: str, url: str, call: Callable[[], Any], body):
    """A 401 body: one forced refresh, one retry, then AuthenticationError."""
    mocked.add(method, url, json=body, status=401)
    with pytest.raises(AuthenticationError) as raised:
        call()
    assert len(mocked.calls) == 2
    return raised.value


# -- freshbooks-java --------------------------------------------------------------------------


@case("freshbooks-java/get_client_response__not_found_new.json")
def _client_not_found_new_shape(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients/12345", json=body, status=404)
    with pytest.raises(NotFound) as raised:
        client.get_client(ACCOUNT, 12345)
    assert (raised.value.status, raised.value.errno) == (404, 1012)
    assert raised.value.field == "userid"
    assert raised.value.message == "Client not found."


@case("freshbooks-java/get_invoice_response.json")
def _get_invoice(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/invoices/invoices/987654", json=body)
    invoice = client.get_invoice(ACCOUNT, 987654)
    assert invoice["invoiceid"] == 987654
    assert parse_money(invoice["amount"]) == (Decimal("41.94"), "CAD")
    assert parse_money(invoice["net_paid_amount"])[0] == Decimal("7.60133524082021936099189318")
    assert parse_money(invoice["discount_total"]) == (Decimal("-4.40"), "CAD")
    assert parse_accounting_datetime(invoice["created_at"]) == utc(2021, 4, 16, 14, 31, 19)
    assert parse_accounting_datetime(invoice["version"]) == utc(2021, 4, 16, 14, 31, 58, 480684)
    assert parse_date(invoice["create_date"]).isoformat() == "2021-04-16"
    line_totals = [parse_money(line["amount"])[0] for line in invoice["lines"]]
    assert line_totals == [Decimal("20.00"), Decimal("24.00")]
    assert parse_decimal(invoice["lines"][0]["qty"]) == Decimal("4")


@case("freshbooks-java/get_service_rate_response.json")
def _get_service_rate(client, mocked, body):
    mocked.get(f"{API}/comments/business/25/service/4054453/rate", json=body)
    rate = client.get_service_rate(25, 4054453)
    assert parse_decimal(rate["rate"]) == Decimal("10.00")


@case("freshbooks-java/list_clients_response.json")
def _list_clients_java(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients", json=body)
    pages = list(client.iter_client_pages(ACCOUNT))
    assert len(pages) == 1
    assert [item["id"] for item in pages[0].items][:2] == [12345, 12346]
    assert pages[0].total == len(pages[0].items)
    for item in pages[0].items:
        assert parse_accounting_datetime(item["updated"]).tzinfo is UTC
    # 2020-11-01 13:11 is after the US fall-back that morning: EST, UTC-5.
    assert parse_accounting_datetime(pages[0].items[0]["updated"]) == utc(2020, 11, 1, 18, 11, 10)
    # ... while 2020-10-17 06:25 is still EDT, UTC-4.
    assert parse_accounting_datetime(pages[0].items[1]["updated"]) == utc(2020, 10, 17, 10, 25, 34)
    # The recording holds an impossible signup_date; it must be a clear ValueError, not a crash.
    with pytest.raises(ValueError, match="2019-09-13 08:16:74"):
        parse_utc_datetime(pages[0].items[2]["signup_date"])


@case("freshbooks-java/list_invoices_response.json")
def _list_invoices(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/invoices/invoices", json=body)
    invoices = list(client.iter_invoices(ACCOUNT, include_lines=True))
    assert invoices
    for invoice in invoices:
        amount, code = parse_money(invoice["amount"])
        assert isinstance(amount, Decimal) and code == "CAD"
        assert parse_accounting_datetime(invoice["updated"]).tzinfo is UTC
        for line in invoice.get("lines", []):
            parse_money(line["unit_cost"])


@case("freshbooks-java/list_service_rates_response.json")
def _list_service_rates(client, mocked, body):
    mocked.get(f"{API}/comments/business/25/service_rates", json=body)
    rates = client.list_service_rates(25)
    assert [(rate["service_id"], parse_decimal(rate["rate"])) for rate in rates] == [
        (4054453, Decimal("10.00")),
        (4054451, Decimal("8.50")),
    ]


@case("freshbooks-java/list_services_response.json")
def _list_services(client, mocked, body):
    mocked.get(f"{API}/comments/business/25/services", json=body)
    services = list(client.iter_services(25))
    assert [service["name"] for service in services] == ["Document Review", "Administration"]


@case("freshbooks-java/get_expense_response.json")
def _get_expense(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/expenses/expenses/7538415"
    mocked.get(f"{API}{path}", json=body)
    expense = envelopes.accounting_single(client.request("GET", path), "expense")
    assert parse_money(expense["amount"]) == (Decimal("54.00"), "CAD")
    assert expense["billable"] is False


@case("freshbooks-java/list_expenses_response.json")
def _list_expenses(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/expenses/expenses"
    mocked.get(f"{API}{path}", json=body)
    page = envelopes.accounting_page(client.request("GET", path), "expenses")
    assert page.items and all(parse_money(item["amount"])[1] for item in page.items)


@case("freshbooks-java/get_tax_response.json")
def _get_tax(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/taxes/taxes/7840"
    mocked.get(f"{API}{path}", json=body)
    tax = envelopes.accounting_single(client.request("GET", path), "tax")
    assert parse_decimal(tax["amount"]) >= 0 and isinstance(tax["compound"], bool)


@case("freshbooks-java/list_taxes_response.json")
def _list_taxes(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/taxes/taxes"
    mocked.get(f"{API}{path}", json=body)
    page = envelopes.accounting_page(client.request("GET", path), "taxes")
    assert [(tax["name"], parse_decimal(tax["amount"])) for tax in page.items][:2] == [
        ("HST", Decimal("13")),
        ("GST", Decimal("5")),
    ]


@case("freshbooks-java/get_item_response.json")
def _get_item(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/items/items/4331"
    mocked.get(f"{API}{path}", json=body)
    item = envelopes.accounting_single(client.request("GET", path), "item")
    assert parse_money(item["unit_cost"]) == (Decimal("1.00"), "CAD")


@case("freshbooks-java/list_items_response.json")
def _list_items(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/items/items"
    mocked.get(f"{API}{path}", json=body)
    page = envelopes.accounting_page(client.request("GET", path), "items")
    assert page.items and all(parse_money(item["unit_cost"])[1] for item in page.items)


@case("freshbooks-java/get_payment_response.json")
def _get_payment(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/payments/payments/235435"
    mocked.get(f"{API}{path}", json=body)
    payment = envelopes.accounting_single(client.request("GET", path), "payment")
    assert parse_money(payment["amount"])[1] == "CAD"
    assert parse_date(payment["date"]).year == 2021


@case("freshbooks-java/list_payments_response.json")
def _list_payments(client, mocked, body):
    path = f"/accounting/account/{ACCOUNT}/payments/payments"
    mocked.get(f"{API}{path}", json=body)
    page = envelopes.accounting_page(client.request("GET", path), "payments")
    assert page.items and all(parse_money(item["amount"])[1] == "CAD" for item in page.items)


# -- freshbooks (python sdk) ------------------------------------------------------------------


@case("freshbooks/auth_me_response.json")
def _me(client, mocked, body):
    mocked.get(f"{API}/auth/api/v1/users/me", json=body)
    identity = client.me()
    assert identity["id"] == body["response"]["id"]
    assert identity["business_memberships"]
    business = identity["business_memberships"][0]["business"]
    assert business["id"] and "account_id" in business
    assert parse_utc_datetime(identity["created_at"]) == utc(2017, 5, 23, 5, 42, 42)


@case("freshbooks/auth_me_response__no_auth.json")
def _me_no_auth(client, mocked, body):
    error = expect_unauthorized(
        mocked, client, "GET", f"{API}/auth/api/v1/users/me", client.me, body
    )
    assert error.message == "This action requires authentication to continue."
    assert error.status == 401


@case("freshbooks/auth_token_response.json")
def _token(client, mocked, body):
    mocked.post(f"{API}/auth/oauth/token", json=body)
    oauth = OAuthClient(
        auth_base_url="https://auth.freshbooks.test",
        api_base_url=API,
        client_id="app-id",
        client_secret="app-secret",
        redirect_uri="https://app.test/callback",
    )
    token_set = oauth.exchange_code("the-code")
    assert token_set.access_token == "my_access_token"
    assert token_set.refresh_token == "my_refresh_token"
    assert token_set.expires_at == datetime.fromtimestamp(1287273500 + 100, tz=UTC)
    assert token_set.scope == "some:scope"


@case("freshbooks/create_callback_response__validation_error.json")
def _create_callback_invalid(client, mocked, body):
    mocked.post(f"{API}/events/account/{ACCOUNT}/events/callbacks", json=body, status=422)
    with pytest.raises(ValidationError) as raised:
        client.create_callback(ACCOUNT, event="nonsense", uri="not a url")
    assert raised.value.errno == 422
    assert raised.value.field == "event"
    assert "Unrecognized event" in raised.value.message
    assert "uri" in raised.value.message


@case("freshbooks/create_client_response.json")
def _create_client_body(client, mocked, body):
    # Same accounting single-object envelope as a GET; the app does not create clients.
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients/12345", json=body)
    created = client.get_client(ACCOUNT, 12345)
    assert parse_accounting_datetime(created["updated"]) == utc(2020, 11, 17, 2, 27, 3)
    assert parse_utc_datetime(created["signup_date"]) == utc(2020, 11, 17, 2, 27, 3)


@case("freshbooks/create_ledger_account_response__validation_errors.json")
def _ledger_invalid(client, mocked, body):
    path = "/accounting/businesses/a-uuid/ledger_accounts/accounts"
    mocked.post(f"{API}{path}", json=body, status=400)
    with pytest.raises(ValidationError) as raised:
        client.request("POST", path, json={"account": {}})
    assert raised.value.status == 400
    assert raised.value.field == "name"
    assert "sub_type: This field is required." in raised.value.message
    assert len(raised.value.details) == 3


@case("freshbooks/create_project__validation_errors.json")
def _project_invalid(client, mocked, body):
    path = f"/projects/business/{BUSINESS}/project"
    mocked.post(f"{API}{path}", json=body, status=422)
    with pytest.raises(ValidationError) as raised:
        client.request("POST", path, json={"project": {}})
    assert (raised.value.errno, raised.value.field) == (2001, "title")
    assert raised.value.message == "title: field required; description: field required"


@case("freshbooks/create_project_response.json")
def _create_project_body(client, mocked, body):
    mocked.get(f"{API}/projects/business/{BUSINESS}/project/12345", json=body)
    project = client.get_project(BUSINESS, 12345)
    assert parse_decimal(project["fixed_price"]) == Decimal("600.00")
    assert parse_decimal(project["rate"]) is None
    # The recording's "2020-11-219T13:22:04" is not a date: a clear ValueError.
    with pytest.raises(ValueError, match="2020-11-219T13:22:04"):
        parse_utc_datetime(project["created_at"])


@case("freshbooks/get_callback_response.json")
def _get_callback(client, mocked, body):
    mocked.get(f"{API}/events/account/{ACCOUNT}/events/callbacks/123", json=body)
    callback = client.get_callback(ACCOUNT, 123)
    assert (callback["callbackid"], callback["verified"]) == (123, True)
    assert parse_utc_datetime(callback["updated_at"]) == utc(2017, 8, 23, 11, 45, 9)


@case("freshbooks/get_callback_response__no_auth.json")
def _get_callback_no_auth(client, mocked, body):
    url = f"{API}/events/account/{ACCOUNT}/events/callbacks/123"
    error = expect_unauthorized(
        mocked, client, "GET", url, lambda: client.get_callback(ACCOUNT, 123), body
    )
    assert error.errno == 401
    assert error.message.startswith("invalid_token:")


@case("freshbooks/get_callback_response__not_found.json")
def _get_callback_not_found(client, mocked, body):
    mocked.get(f"{API}/events/account/{ACCOUNT}/events/callbacks/9", json=body, status=404)
    with pytest.raises(NotFound) as raised:
        client.get_callback(ACCOUNT, 9)
    assert raised.value.errno == 404
    assert raised.value.message == "Requested resource could not be found."


@case("freshbooks/get_client_response.json")
def _get_client(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients/12345", json=body)
    found = client.get_client(ACCOUNT, 12345)
    assert found["userid"] == 12345
    balances = [parse_money(entry["amount"]) for entry in found["outstanding_balance"]]
    assert balances == [(Decimal("10"), "CAD"), (Decimal("11"), "CAD")]


@case("freshbooks/get_client_response__not_found.json")
def _get_client_not_found(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients/12345", json=body, status=404)
    with pytest.raises(NotFound) as raised:
        client.get_client(ACCOUNT, 12345)
    assert (raised.value.errno, raised.value.field) == (1012, "userid")
    assert raised.value.message == "Client not found."


@case("freshbooks/get_ledger_account_response.json")
def _get_ledger_account(client, mocked, body):
    path = "/accounting/businesses/a-uuid/ledger_accounts/accounts/a_uuid"
    mocked.get(f"{API}{path}", json=body)
    account = envelopes.flat_single(client.request("GET", path), "data")
    assert parse_utc_datetime(account["updated_at"]) == utc(2023, 4, 27, 14, 33, 48, 841075)


@case("freshbooks/get_ledger_account_response__not_found.json")
def _get_ledger_account_not_found(client, mocked, body):
    path = "/accounting/businesses/a-uuid/ledger_accounts/accounts/missing"
    mocked.get(f"{API}{path}", json=body, status=404)
    with pytest.raises(NotFound) as raised:
        client.request("GET", path)
    assert raised.value.message == "Not found."
    assert raised.value.field is None


@case("freshbooks/get_project_response.json")
def _get_project(client, mocked, body):
    mocked.get(f"{API}/projects/business/{BUSINESS}/project/654321", json=body)
    project = client.get_project(BUSINESS, 654321)
    assert project["id"] == 654321
    assert [service["id"] for service in project["services"]] == [154, 155]
    assert parse_utc_datetime(project["updated_at"]) == utc(2020, 9, 13, 3, 10, 13)
    assert parse_date(project["due_date"]).isoformat() == "2021-01-02"


@case("freshbooks/get_project_response__no_auth.json")
def _get_project_no_auth(client, mocked, body):
    url = f"{API}/projects/business/{BUSINESS}/project/1"
    error = expect_unauthorized(
        mocked, client, "GET", url, lambda: client.get_project(BUSINESS, 1), body
    )
    assert error.message.startswith("The server could not verify that you are authorized")


@case("freshbooks/get_project_response__not_found.json")
def _get_project_not_found(client, mocked, body):
    mocked.get(f"{API}/projects/business/{BUSINESS}/project/2", json=body, status=404)
    with pytest.raises(NotFound) as raised:
        client.get_project(BUSINESS, 2)
    assert raised.value.message == "Requested resource could not be found."


@case("freshbooks/get_time_entry_response.json")
def _get_time_entry(client, mocked, body):
    mocked.get(f"{API}/timetracking/business/{BUSINESS}/time_entries/419546", json=body)
    entry = client.get_time_entry(BUSINESS, 419546)
    assert parse_utc_datetime(entry["started_at"]) == utc(2020, 10, 17, 5, 0, 0)
    assert entry["duration"] == 3600


@case("freshbooks/list_callbacks_response.json")
def _list_callbacks(client, mocked, body):
    mocked.get(f"{API}/events/account/{ACCOUNT}/events/callbacks", json=body)
    callbacks = list(client.iter_callbacks(ACCOUNT))
    assert [callback["callbackid"] for callback in callbacks] == [123, 124, 125]
    for callback in callbacks:
        assert parse_utc_datetime(callback["updated_at"]).tzinfo is UTC


@case("freshbooks/list_clients_response.json")
def _list_clients_py(client, mocked, body):
    mocked.get(f"{API}/accounting/account/{ACCOUNT}/users/clients", json=body)
    clients = list(client.iter_clients(ACCOUNT))
    assert [item["uuid"] for item in clients][:1] == ["ab1c33f1-8827-4a46-b335-75a6a4149db8"]
    for item in clients:
        parse_accounting_datetime(item["updated"])


@case("freshbooks/list_ledger_accounts_response.json")
def _list_ledger_accounts(client, mocked, body):
    path = "/accounting/businesses/a-uuid/ledger_accounts/accounts"
    mocked.get(f"{API}{path}", json=body)
    accounts = envelopes.flat_list(client.request("GET", path), "data")
    assert [account["number"] for account in accounts] == ["1000", "1000-1"]


@case("freshbooks/list_projects_response.json")
def _list_projects(client, mocked, body):
    mocked.get(f"{API}/projects/business/{BUSINESS}/projects", json=body)
    pages = list(client.iter_project_pages(BUSINESS))
    assert len(pages) == 1 and pages[0].total == len(pages[0].items) == 3
    for project in pages[0].items:
        assert parse_utc_datetime(project["created_at"]).tzinfo is UTC


@case("freshbooks/list_time_entries_response.json")
def _list_time_entries(client, mocked, body):
    mocked.get(f"{API}/timetracking/business/{BUSINESS}/time_entries", json=body)
    entries = list(client.iter_time_entries(BUSINESS, billable=True, billed=False))
    assert [entry["id"] for entry in entries] == [419546, 419547]
    assert parse_utc_datetime(entries[1]["started_at"]) == utc(2020, 10, 17, 5, 46, 0)


@case("freshbooks/upload_attachment_response.json")
def _upload_attachment(client, mocked, body):
    path = f"/uploads/account/{ACCOUNT}/attachments"
    mocked.post(f"{API}{path}", json=body, status=201)
    attachment = envelopes.flat_single(client.request("POST", path), "attachment")
    assert attachment["jwt"] == "some_jwt"


@case("freshbooks/upload_image_response.json")
def _upload_image(client, mocked, body):
    path = f"/uploads/account/{ACCOUNT}/images"
    mocked.post(f"{API}{path}", json=body, status=201)
    image = envelopes.flat_single(client.request("POST", path), "image")
    assert image["media_type"] == "image/jpeg"


def test_every_fixture_file_has_a_case():
    assert sorted(CASES) == all_fixture_names()


@pytest.mark.parametrize("name", all_fixture_names())
def test_fixture_body_is_handled(name, client, mocked, tokens):
    CASES[name](client, mocked, load_fixture(name))
    for call in mocked.calls:
        if call.request.url.startswith(f"{API}/auth/oauth/"):
            continue
        assert call.request.headers["Authorization"] in (
            f"Bearer {ACCESS_TOKEN}",
            f"Bearer {tokens.fresh}",
        )
