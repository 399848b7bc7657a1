"""Fault injection does exactly what was asked; call counters count what the app did."""

from __future__ import annotations

import time

import pytest
import requests

from tests.sandbox.helpers import World

ENTRIES_ROUTE = "GET /timetracking/business/{bid}/time_entries"


def test_every_third_call_gets_429_with_retry_after(world: World):
    world.sandbox.control.add_fault(
        method="GET", path=r"/time_entries$", kind="status", status=429, retry_after=1, every=3
    )
    responses = [world.alice.get(world.entries_path()) for _ in range(9)]
    assert [response.status_code for response in responses] == [200, 200, 429] * 3
    limited = responses[2]
    assert limited.headers["Retry-After"] == "1"
    assert limited.json() == {"error": "Rate limit exceeded."}


def test_a_rule_with_times_retires_after_firing_that_often(world: World):
    world.sandbox.control.add_fault(path="/users/me", kind="status", status=503, times=2)
    statuses = [world.alice.get("/auth/api/v1/users/me").status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert world.sandbox.control.faults() == []


def test_faults_only_hit_matching_methods_and_paths(world: World):
    world.sandbox.control.add_fault(
        method="POST", path="/invoices/invoices", kind="status", status=500
    )
    assert world.alice.get(world.accounting("invoices/invoices")).status_code == 200
    assert world.alice.get(world.entries_path()).status_code == 200
    failed = world.alice.post(world.accounting("invoices/invoices"), json={"invoice": {}})
    assert failed.status_code == 500
    assert failed.json()["response"]["errors"][0]["errno"] == 500


def test_a_custom_body_is_returned_as_given(world: World):
    world.sandbox.control.add_fault(
        path="/users/me", kind="status", status=502, body={"oops": "gateway"}
    )
    response = world.alice.get("/auth/api/v1/users/me")
    assert (response.status_code, response.json()) == (502, {"oops": "gateway"})


def test_a_global_latency_rule_slows_every_route(world: World):
    world.sandbox.control.add_fault(kind="latency", latency_ms=300)
    started = time.monotonic()
    assert world.alice.get("/auth/api/v1/users/me").status_code == 200
    assert world.alice.get(world.entries_path()).status_code == 200
    assert time.monotonic() - started >= 0.6


def test_a_reset_fault_cuts_the_connection(world: World):
    world.sandbox.control.add_fault(path="/users/me", kind="reset", times=1)
    with pytest.raises(requests.ConnectionError):
        world.alice.get("/auth/api/v1/users/me")
    assert world.alice.get("/auth/api/v1/users/me").status_code == 200


def test_a_timeout_fault_outlasts_the_client(world: World):
    world.sandbox.control.add_fault(path="/users/me", kind="timeout", timeout_s=2, times=1)
    with pytest.raises(requests.Timeout):
        world.alice.get("/auth/api/v1/users/me", timeout=0.5)


def test_an_after_phase_fault_commits_the_write_but_fails_the_response(world: World):
    """The server accepted the POST, the client saw a failure: the invoice exists anyway."""
    client_id = world.alice.get(world.accounting("users/clients")).json()["response"]["result"][
        "clients"
    ][0]["id"]
    world.sandbox.control.add_fault(
        method="POST", path="/invoices/invoices$", kind="status", status=504, phase="after", times=1
    )
    response = world.alice.post(
        world.accounting("invoices/invoices"),
        json={
            "invoice": {"customerid": client_id, "create_date": "2024-06-01", "po_number": "r-1"}
        },
    )
    assert response.status_code == 504
    stored = world.sandbox.control.invoices(world.account_id)
    assert [invoice["po_number"] for invoice in stored] == ["r-1"]


def test_an_after_phase_reset_commits_the_write_and_cuts_the_connection(world: World):
    client_id = world.alice.get(world.accounting("users/clients")).json()["response"]["result"][
        "clients"
    ][0]["id"]
    world.sandbox.control.add_fault(
        method="POST", path="/invoices/invoices$", kind="reset", phase="after", times=1
    )
    with pytest.raises(requests.ConnectionError):
        world.alice.post(
            world.accounting("invoices/invoices"),
            json={"invoice": {"customerid": client_id, "create_date": "2024-06-01"}},
        )
    assert len(world.sandbox.control.invoices(world.account_id)) == 1


def test_a_before_phase_fault_does_not_process_the_request(world: World):
    client_id = world.alice.get(world.accounting("users/clients")).json()["response"]["result"][
        "clients"
    ][0]["id"]
    world.sandbox.control.add_fault(method="POST", kind="status", status=500, times=1)
    response = world.alice.post(
        world.accounting("invoices/invoices"),
        json={"invoice": {"customerid": client_id, "create_date": "2024-06-01"}},
    )
    assert response.status_code == 500
    assert world.sandbox.control.invoices(world.account_id) == []


def test_clearing_faults_restores_normal_service(world: World):
    world.sandbox.control.add_fault(kind="status", status=500)
    assert world.alice.get("/auth/api/v1/users/me").status_code == 500
    world.sandbox.control.clear_faults()
    assert world.alice.get("/auth/api/v1/users/me").status_code == 200


def test_a_rule_with_a_chance_faults_that_share_of_calls_the_same_way_each_time(world: World):
    control = world.sandbox.control

    def statuses() -> list[int]:
        control.clear_faults()
        control.add_fault(path="/users/me", kind="status", status=429, chance=0.3, seed=5)
        return [world.alice.get("/auth/api/v1/users/me").status_code for _ in range(100)]

    first, second = statuses(), statuses()

    assert 15 <= first.count(429) <= 45
    assert set(first) == {200, 429}
    assert first == second
    assert control.faults()[0]["fired"] == first.count(429)


def test_an_invalid_fault_rule_is_refused(world: World):
    from sandbox.control import SandboxControlError

    with pytest.raises(SandboxControlError) as refused:
        world.sandbox.control.add_fault(kind="explode")
    assert refused.value.status == 422
    with pytest.raises(SandboxControlError):
        world.sandbox.control.add_fault(kind="status", path="([unclosed")
    with pytest.raises(SandboxControlError):
        world.sandbox.control.add_fault(kind="status", chance=1.5)


def test_calls_are_counted_per_route_pattern_and_control_calls_are_not(world: World):
    world.sandbox.control.reset_calls()
    for page in (1, 2, 3):
        world.alice.get(world.entries_path(), params={"page": page})
    world.alice.get(f"{world.entries_path()}/1")
    world.alice.get(world.entries_path(world.other_business["business_id"]))
    world.sandbox.control.time_entries(world.business_id)
    calls = world.sandbox.control.calls()
    assert calls == {
        ENTRIES_ROUTE: 4,
        "GET /timetracking/business/{bid}/time_entries/{id}": 1,
        "total": 5,
    }


def test_faulted_calls_are_counted_too(world: World):
    world.sandbox.control.reset_calls()
    world.sandbox.control.add_fault(kind="status", status=429, retry_after=2)
    world.alice.get(world.entries_path())
    assert world.sandbox.control.calls()[ENTRIES_ROUTE] == 1


def test_resetting_calls_starts_from_zero(world: World):
    world.alice.get(world.entries_path())
    world.sandbox.control.reset_calls()
    assert world.sandbox.control.calls() == {"total": 0}
