"""What the client puts on the wire: paths, headers, bodies, filters and pagination."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from connections.freshbooks import Page
from connections.freshbooks.filters import accounting_params, format_utc, project_params

from .conftest import ACCESS_TOKEN, API

ACCOUNT = "ACM123"
BUSINESS = 439000
INVOICES = f"{API}/accounting/account/{ACCOUNT}/invoices/invoices"
TIME_ENTRIES = f"{API}/timetracking/business/{BUSINESS}/time_entries"
PROJECTS = f"{API}/projects/business/{BUSINESS}/projects"


def query(call) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


def accounting_list(key: str, ids: list[int], page: int, pages: int) -> dict:
    return {
        "response": {
            "result": {
                key: [{"id": item_id} for item_id in ids],
                "page": page,
                "pages": pages,
                "per_page": 100,
                "total": 250,
            }
        }
    }


def time_entry_list(ids: list[int], page: int, pages: int) -> dict:
    meta = {"page": page, "pages": pages, "per_page": 100, "total": 250}
    return {"time_entries": [{"id": item_id} for item_id in ids], "meta": meta}


# -- headers and bodies ------------------------------------------------------------------------


def test_get_sends_bearer_token_user_agent_and_no_content_type(client, mocked):
    mocked.get(f"{API}/auth/api/v1/users/me", json={"response": {"id": 1}})
    client.me()
    headers = mocked.calls[0].request.headers
    assert headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert headers["User-Agent"] == "freshbooks-billing-tests/1.0"
    assert headers["Accept"] == "application/json"
    assert "Content-Type" not in headers


def test_write_sends_a_json_body_with_content_type(client, mocked):
    mocked.put(f"{TIME_ENTRIES}/5", json={"time_entry": {"id": 5, "billed": True}})
    entry = client.update_time_entry(BUSINESS, 5, {"billed": True})
    request = mocked.calls[0].request
    assert entry == {"id": 5, "billed": True}
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"time_entry": {"billed": True}}


def test_create_invoice_posts_the_invoice_envelope(client, mocked):
    mocked.post(INVOICES, json={"response": {"result": {"invoice": {"id": 1, "status": 1}}}})
    invoice = {"customerid": 12345, "create_date": "2024-05-01", "lines": []}
    assert client.create_invoice(ACCOUNT, invoice) == {"id": 1, "status": 1}
    assert mocked.calls[0].request.method == "POST"
    assert json.loads(mocked.calls[0].request.body) == {"invoice": invoice}


def test_ids_are_quoted_so_they_cannot_change_the_path(client, mocked):
    mocked.get(
        f"{API}/accounting/account/ACM123/users/clients/1%2F..%2F2",
        json={"response": {"result": {"client": {"id": 1}}}},
    )
    client.get_client(ACCOUNT, "1/../2")
    assert urlsplit(mocked.calls[0].request.url).path.endswith("/clients/1%2F..%2F2")


def test_empty_id_is_refused_before_any_request(client, mocked):
    with pytest.raises(ValueError, match="empty id"):
        client.get_client("", 1)


# -- invoices: vis_state guard and include[] ---------------------------------------------------


def test_update_invoice_refuses_vis_state_with_other_fields(client, mocked):
    with pytest.raises(ValueError, match="vis_state"):
        client.update_invoice(ACCOUNT, 9, {"vis_state": 1, "notes": "void"})
    assert len(mocked.calls) == 0


def test_update_invoice_sends_vis_state_alone(client, mocked):
    mocked.put(f"{INVOICES}/9", json={"response": {"result": {"invoice": {"id": 9}}}})
    client.update_invoice(ACCOUNT, 9, {"vis_state": 1})
    assert json.loads(mocked.calls[0].request.body) == {"invoice": {"vis_state": 1}}


def test_get_invoice_includes_lines_by_default(client, mocked):
    mocked.get(f"{INVOICES}/9", json={"response": {"result": {"invoice": {"id": 9}}}})
    mocked.get(f"{INVOICES}/9", json={"response": {"result": {"invoice": {"id": 9}}}})
    client.get_invoice(ACCOUNT, 9)
    client.get_invoice(ACCOUNT, 9, include_lines=False)
    assert query(mocked.calls[0]) == [("include[]", "lines")]
    assert query(mocked.calls[1]) == []


def test_delete_invoice_uses_http_delete(client, mocked):
    mocked.delete(f"{INVOICES}/9", json={"response": {}})
    assert client.delete_invoice(ACCOUNT, 9) is None


# -- filter encoding per family ----------------------------------------------------------------


def test_invoice_filters_use_accounting_search_encoding(client, mocked):
    mocked.get(INVOICES, json=accounting_list("invoices", [1], 1, 1))
    list(
        client.iter_invoices(
            ACCOUNT,
            customer_id=12345,
            date_min=date(2024, 1, 1),
            date_max=date(2024, 1, 31),
            invoice_number="INV-7",
            include_lines=True,
        )
    )
    assert query(mocked.calls[0]) == [
        ("search[customerid]", "12345"),
        ("search[date_min]", "2024-01-01"),
        ("search[date_max]", "2024-01-31"),
        ("search[invoice_number]", "INV-7"),
        ("include[]", "lines"),
        ("page", "1"),
        ("per_page", "100"),
    ]


def test_client_updated_min_from_an_aware_datetime_is_the_us_eastern_day(client, mocked):
    url = f"{API}/accounting/account/{ACCOUNT}/users/clients"
    mocked.get(url, json=accounting_list("clients", [], 1, 0))
    # 02:00 UTC on Mar 2 is still Mar 1 in New York: ask for Mar 1 so nothing is missed.
    list(client.iter_clients(ACCOUNT, updated_min=datetime(2024, 3, 2, 2, 0, tzinfo=UTC)))
    assert ("search[updated_min]", "2024-03-01") in query(mocked.calls[0])


def test_time_entry_filters_use_bare_keys_booleans_and_utc_z(client, mocked):
    mocked.get(TIME_ENTRIES, json=time_entry_list([1], 1, 1))
    toronto = ZoneInfo("America/Toronto")
    list(
        client.iter_time_entries(
            BUSINESS,
            billable=True,
            billed=False,
            client_id=56789,
            project_id=654321,
            started_from=datetime(2024, 1, 1, 0, 0, tzinfo=toronto),
            started_to=datetime(2024, 1, 31, 23, 59, 59, tzinfo=toronto),
            updated_since=datetime(2024, 2, 1, 12, 30, 15, 999, tzinfo=UTC),
            include_deleted=True,
        )
    )
    params = query(mocked.calls[0])
    assert params == [
        ("billable", "true"),
        ("billed", "false"),
        ("client_id", "56789"),
        ("project_id", "654321"),
        ("started_from", "2024-01-01T05:00:00Z"),
        ("started_to", "2024-02-01T04:59:59Z"),
        ("updated_since", "2024-02-01T12:30:15Z"),
        ("include_deleted", "true"),
        ("page", "1"),
        ("per_page", "100"),
    ]
    assert not any(key.startswith("search[") for key, _ in params)


def test_time_entry_defaults_send_only_pagination(client, mocked):
    mocked.get(TIME_ENTRIES, json=time_entry_list([], 1, 0))
    list(client.iter_time_entries(BUSINESS))
    assert query(mocked.calls[0]) == [("page", "1"), ("per_page", "100")]


def test_project_updated_since_is_a_bare_utc_key(client, mocked):
    mocked.get(PROJECTS, json={"projects": [], "meta": {"page": 1, "pages": 0, "total": 0}})
    since = datetime(2024, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    list(client.iter_projects(BUSINESS, updated_since=since))
    assert query(mocked.calls[0])[0] == ("updated_since", "2024-06-01T07:00:00Z")


def test_naive_datetime_filters_are_refused(client, mocked):
    with pytest.raises(ValueError, match="naive"):
        list(client.iter_time_entries(BUSINESS, updated_since=datetime(2024, 1, 1)))
    with pytest.raises(ValueError, match="naive"):
        list(client.iter_clients(ACCOUNT, updated_min=datetime(2024, 1, 1)))
    assert len(mocked.calls) == 0


def test_filter_helpers_encode_lists_and_skip_none():
    assert accounting_params({"customerids": [1, 2], "email": None}, include=["lines"]) == [
        ("search[customerids][]", "1"),
        ("search[customerids][]", "2"),
        ("include[]", "lines"),
    ]
    assert project_params({"active": False, "client_id": None, "complete": True}) == [
        ("active", "false"),
        ("complete", "true"),
    ]
    with pytest.raises(TypeError):
        format_utc(date(2024, 1, 1))


# -- pagination --------------------------------------------------------------------------------


def test_three_pages_take_three_calls_at_per_page_100(client, mocked):
    for page, ids in [(1, [1, 2]), (2, [3, 4]), (3, [5])]:
        mocked.get(TIME_ENTRIES, json=time_entry_list(ids, page, 3))
    pages = list(client.iter_time_entry_pages(BUSINESS, billable=True))
    assert [page.page for page in pages] == [1, 2, 3]
    assert [item["id"] for page in pages for item in page.items] == [1, 2, 3, 4, 5]
    assert len(mocked.calls) == 3
    for number, call in enumerate(mocked.calls, start=1):
        params = dict(query(call))
        assert params["per_page"] == "100"
        assert params["page"] == str(number)
        assert params["billable"] == "true"


def test_start_page_resumes_a_walk(client, mocked):
    mocked.get(INVOICES, json=accounting_list("invoices", [3], 2, 3))
    mocked.get(INVOICES, json=accounting_list("invoices", [4], 3, 3))
    pages = list(client.iter_invoice_pages(ACCOUNT, start_page=2))
    assert [dict(query(call))["page"] for call in mocked.calls] == ["2", "3"]
    assert pages[0] == Page(items=[{"id": 3}], page=2, pages=3, total=250, per_page=100)


def test_an_empty_page_ends_the_walk_even_if_pages_says_more(client, mocked):
    mocked.get(PROJECTS, json={"projects": [{"id": 1}], "meta": {"page": 1, "pages": 5}})
    mocked.get(PROJECTS, json={"projects": [], "meta": {"page": 2, "pages": 5}})
    assert [project["id"] for project in client.iter_projects(BUSINESS)] == [1]
    assert len(mocked.calls) == 2


def test_an_empty_list_reporting_zero_pages_takes_one_call(client, mocked):
    mocked.get(
        f"{API}/events/account/{ACCOUNT}/events/callbacks",
        json={"response": {"result": {"callbacks": [], "page": 1, "pages": 0, "total": 0}}},
    )
    assert list(client.iter_callbacks(ACCOUNT)) == []
    assert len(mocked.calls) == 1


def test_team_members_meta_without_pages_is_computed_from_total(client, mocked):
    url = f"{API}/auth/api/v1/businesses/{BUSINESS}/team_members"
    first = {
        "response": [{"uuid": f"m{n}"} for n in range(100)],
        "meta": {"page": 1, "per_page": 100, "total": 101},
    }
    second = {"response": [{"uuid": "m100"}], "meta": {"page": 2, "per_page": 100, "total": 101}}
    mocked.get(url, json=first)
    mocked.get(url, json=second)
    members = list(client.iter_team_members(BUSINESS))
    assert len(members) == 101
    assert len(mocked.calls) == 2


def test_start_page_below_one_is_refused(client):
    with pytest.raises(ValueError, match="start_page"):
        next(client.iter_services(BUSINESS, start_page=0))


# -- rates and callbacks -----------------------------------------------------------------------


def test_project_service_rate_is_none_when_the_project_has_none(client, mocked):
    url = f"{API}/comments/business/{BUSINESS}/project/1/service/2/rate"
    mocked.get(url, status=404, json={"error": "Requested resource could not be found."})
    assert client.get_project_service_rate(BUSINESS, 1, 2) is None


def test_project_service_rate_is_returned_when_set(client, mocked):
    url = f"{API}/comments/business/{BUSINESS}/project/1/service/2/rate"
    rate = {"rate": "95.00", "service_id": 2, "project_id": 1, "business_id": BUSINESS}
    mocked.get(url, json={"project_service_rate": rate})
    assert client.get_project_service_rate(BUSINESS, 1, 2) == rate


def test_team_member_rates_are_a_plain_list(client, mocked):
    rates = [{"rate": "35.00", "identity_id": 1, "business_id": BUSINESS}]
    mocked.get(
        f"{API}/comments/business/{BUSINESS}/team_member_rates", json={"team_member_rates": rates}
    )
    assert client.list_team_member_rates(BUSINESS) == rates


def test_callback_management_requests(client, mocked):
    base = f"{API}/events/account/{ACCOUNT}/events/callbacks"
    callback = {"callbackid": 2001, "event": "invoice.create", "uri": "https://x.test/h"}
    envelope = {"response": {"result": {"callback": callback}}}
    mocked.post(base, json=envelope)
    mocked.put(f"{base}/2001", json=envelope)
    mocked.put(f"{base}/2001", json={})
    mocked.delete(f"{base}/2001", status=204)

    assert client.create_callback(ACCOUNT, event="invoice.create", uri="https://x.test/h") == (
        callback
    )
    assert client.verify_callback(ACCOUNT, 2001, "the-verifier") == callback
    assert client.resend_callback_verification(ACCOUNT, 2001) == {}
    assert client.delete_callback(ACCOUNT, 2001) is None

    bodies = [json.loads(call.request.body) if call.request.body else None for call in mocked.calls]
    assert bodies == [
        {"callback": {"event": "invoice.create", "uri": "https://x.test/h"}},
        {"callback": {"verifier": "the-verifier"}},
        {"callback": {"resend": True}},
        None,
    ]
