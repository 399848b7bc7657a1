"""The control API, the default seed, restarts and the command line."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from sandbox.config import DEFAULT_APP_SPEC, RegisteredApp, load_config
from sandbox.control import SandboxControlError
from sandbox.process import start_sandbox_process
from tests.sandbox.helpers import World, connect

DEFAULT_APP = RegisteredApp.parse(DEFAULT_APP_SPEC)


def test_the_default_seed_is_the_documented_demo(sandbox):
    summary = sandbox.control.seed()
    assert [user["email"] for user in summary["users"]] == ["alice@example.com", "bob@example.com"]
    businesses = summary["businesses"]
    assert len(businesses) == 3
    assert [business["client_only"] for business in businesses] == [False, False, True]
    assert businesses[2]["account_id"] is None
    assert {business["currency_code"] for business in businesses[:2]} == {"USD", "CAD"}
    assert summary["counts"]["clients"] == 21  # 20 plus Alice as a client of Bob's business
    assert 3000 <= summary["counts"]["time_entries"] < 3100
    clients = [
        client
        for business in businesses[:2]
        for client in sandbox.control.state(business["account_id"], "clients")
    ]
    assert {client["currency_code"] for client in clients} == {"USD", "CAD"}
    entries = [
        entry
        for business in businesses[:2]
        for entry in sandbox.control.time_entries(business["business_id"])
    ]
    assert any(entry["billed"] for entry in entries)
    assert any(entry["billable"] and not entry["billed"] for entry in entries)
    assert any(not entry["billable"] for entry in entries)
    assert any(entry["internal"] for entry in entries)
    assert any(entry["service_id"] is None and entry["client_id"] for entry in entries)
    assert any(not entry["is_logged"] for entry in entries)
    started = sorted(entry["started_at"] for entry in entries)
    assert started[0][:7] != started[-1][:7], "entries span several months"
    alice = connect(sandbox, email="alice@example.com")
    base = f"/comments/business/{businesses[0]['business_id']}"
    projects = alice.get(
        f"/projects/business/{businesses[0]['business_id']}/projects", params={"per_page": 100}
    ).json()["projects"]
    project_rates = [
        alice.get(f"{base}/project/{project['id']}/service/{service['id']}/rate").status_code
        for project in projects
        if project["billing_method"] == "service_rate"
        for service in project["services"]
    ]
    assert 200 in project_rates and 404 in project_rates, "some service_rate projects have rates"
    assert alice.get(f"{base}/service_rates").json()["service_rates"]


def _roles(sandbox, email: str) -> set[tuple[str, str]]:
    me = connect(sandbox, email=email).get("/auth/api/v1/users/me").json()["response"]
    return {
        (membership["business"]["name"], membership["role"])
        for membership in me["business_memberships"]
    }


def test_the_seeded_users_own_and_work_for_what_the_readme_says(sandbox):
    summary = sandbox.control.seed()

    assert [(user["first_name"], user["last_name"]) for user in summary["users"]] == [
        ("Alice", "Martin"),
        ("Bob", "Okafor"),
    ]
    assert [
        (business["name"], business["currency_code"], business["timezone"])
        for business in summary["businesses"][:2]
    ] == [
        ("Northwind Design Co.", "USD", "America/New_York"),
        ("Maple Leaf Consulting", "CAD", "America/Toronto"),
    ]
    assert _roles(sandbox, "alice@example.com") == {
        ("Northwind Design Co.", "owner"),
        ("Maple Leaf Consulting", "business_employee"),
        ("Alice Martin", "client"),
    }
    assert _roles(sandbox, "bob@example.com") == {
        ("Maple Leaf Consulting", "owner"),
        ("Northwind Design Co.", "business_employee"),
    }
    alice = connect(sandbox, email="alice@example.com")
    for business in summary["businesses"][:2]:
        staff = alice.get(
            f"/auth/api/v1/businesses/{business['business_id']}/team_members",
            params={"per_page": 100},
        ).json()["response"]
        roles = Counter(member["business_role_name"] for member in staff)
        # The two users, plus two employees and one contractor of the business's own.
        assert roles == {"owner": 1, "business_employee": 3, "contractor": 1}


def test_the_same_seed_gives_the_same_data(sandbox):
    def fingerprint() -> list[tuple]:
        summary = sandbox.control.seed(users=1, businesses=1, clients=3, time_entries=200, seed=5)
        entries = sandbox.control.time_entries(summary["businesses"][0]["business_id"])
        return sorted((e["started_at"], e["duration"], e["note"], e["billable"]) for e in entries)

    first = fingerprint()
    sandbox.control.reset()
    assert fingerprint() == first


def test_seeding_fifty_thousand_entries_takes_seconds(sandbox):
    started = time.monotonic()
    summary = sandbox.control.seed(time_entries=50_000, clients=40)
    assert summary["counts"]["time_entries"] >= 50_000
    assert time.monotonic() - started < 20


def test_reset_empties_everything(world: World):
    world.sandbox.control.add_fault(kind="latency", latency_ms=1)
    world.sandbox.control.reset()
    assert world.sandbox.control.faults() == []
    assert world.sandbox.control.calls() == {"total": 0}
    assert world.alice.get("/auth/api/v1/users/me").status_code == 401


def test_acting_as_a_user_creates_updates_and_deletes_time_entries(world: World):
    control = world.sandbox.control
    bob_id = world.summary["users"][1]["identity_id"]
    created = control.create_time_entry(
        world.business_id,
        started_at="2024-03-01T14:00:00Z",
        duration=5400,
        note="From the UI",
        as_identity_id=bob_id,
    )
    assert (created["identity_id"], created["billable"], created["billed"]) == (bob_id, True, False)
    updated = control.update_time_entry(world.business_id, created["id"], duration=3600)
    assert updated["duration"] == 3600
    deleted = control.delete_time_entry(world.business_id, created["id"])
    assert deleted["active"] is False
    stored = {e["id"]: e for e in control.time_entries(world.business_id)}
    assert stored[created["id"]]["active"] is False
    assert "updated_at" in stored[created["id"]]


def test_acting_on_every_noun(world: World):
    control, business_id = world.sandbox.control, world.business_id
    client = control.act_create(business_id, "clients", organization="Walk-in Ltd")
    project = control.act_create(business_id, "projects", title="Walk-in", client_id=client["id"])
    service = control.act_create(business_id, "services", name="Walk-in work")
    invoice = control.act_create(
        business_id, "invoices", customerid=client["id"], create_date="2024-02-01"
    )
    assert control.act_update(business_id, "projects", project["id"], complete=True)["complete"]
    assert (
        control.act_update(business_id, "services", service["id"], billable=False)["billable"]
        is False
    )
    assert control.act_delete(business_id, "invoices", invoice["id"])["vis_state"] == 1
    assert control.act_delete(business_id, "clients", client["id"])["vis_state"] == 1
    assert control.act_delete(business_id, "projects", project["id"])["deleted"] is True
    assert control.act_delete(business_id, "services", service["id"])["vis_state"] == 1
    states = {
        noun: {item["id"] for item in control.state(business_id, noun)}
        for noun in ("clients", "projects", "services", "invoices")
    }
    assert client["id"] in states["clients"]
    assert project["id"] in states["projects"]
    assert service["id"] in states["services"]
    assert invoice["id"] in states["invoices"]


def test_acting_validates_like_the_api(world: World):
    control = world.sandbox.control
    with pytest.raises(SandboxControlError) as refused:
        control.create_time_entry(world.business_id, duration="long")
    assert refused.value.status == 422
    assert set(refused.value.body["fields"]) == {"started_at", "duration"}
    with pytest.raises(SandboxControlError) as stranger:
        control.create_time_entry(
            world.business_id, started_at="2024-01-01T00:00:00Z", duration=1, as_identity_id=1
        )
    assert stranger.value.status == 422
    with pytest.raises(SandboxControlError) as unknown:
        control.act_create(world.business_id, "bananas")
    assert unknown.value.status == 404


def test_act_calls_are_not_counted(world: World):
    world.sandbox.control.reset_calls()
    world.sandbox.control.act_create(world.business_id, "services", name="Uncounted")
    assert world.sandbox.control.calls() == {"total": 0}


def test_the_consent_shortcut_refuses_unregistered_redirects(world: World):
    with pytest.raises(SandboxControlError) as refused:
        world.sandbox.control.grant_code(
            client_id=world.sandbox.client_id,
            email="alice@example.com",
            redirect_uri="https://elsewhere.example.com/",
        )
    assert refused.value.status == 422


def test_without_control_mode_the_control_api_is_404(tmp_path: Path):
    with start_sandbox_process(0, tmp_path / "state.sqlite3", control=False) as server:
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
        response = requests.post(f"{server.url}/_sandbox/reset", timeout=10)
        assert response.status_code == 404
        assert server.control is None
        assert "FreshBooks sandbox listening on http://127.0.0.1:" in server.log()


def test_a_restart_keeps_objects_tokens_and_callbacks(tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    with start_sandbox_process(0, state) as first:
        summary = first.control.seed(users=1, businesses=1, clients=2, time_entries=30)
        tokens = first.control.obtain_tokens(
            client_id=DEFAULT_APP.client_id,
            client_secret=DEFAULT_APP.client_secret,
            redirect_uri=DEFAULT_APP.redirect_uris[0],
            email="alice@example.com",
        )
        account_id = summary["businesses"][0]["account_id"]
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        requests.post(
            f"{first.url}/events/account/{account_id}/events/callbacks",
            json={"callback": {"event": "invoice", "uri": "http://127.0.0.1:9/hook"}},
            headers=headers,
            timeout=10,
        )
        entries_before = first.control.time_entries(summary["businesses"][0]["business_id"])
    with start_sandbox_process(0, state, seed="default") as second:
        me = requests.get(f"{second.url}/auth/api/v1/users/me", headers=headers, timeout=10)
        assert me.status_code == 200
        callbacks = requests.get(
            f"{second.url}/events/account/{account_id}/events/callbacks",
            headers=headers,
            timeout=10,
        ).json()["response"]["result"]
        assert [callback["event"] for callback in callbacks["callbacks"]] == ["invoice"]
        after = second.control.time_entries(summary["businesses"][0]["business_id"])
        assert after == entries_before
        refreshed = requests.post(
            f"{second.url}/auth/oauth/token",
            json={
                "grant_type": "refresh_token",
                "client_id": DEFAULT_APP.client_id,
                "client_secret": DEFAULT_APP.client_secret,
                "refresh_token": tokens["refresh_token"],
            },
            timeout=10,
        )
        assert refreshed.status_code == 200


def test_seed_default_seeds_an_empty_state_once(tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    with start_sandbox_process(0, state, seed="default") as first:
        memberships = alice_me(first)["business_memberships"]
        business_id = memberships[0]["business"]["id"]
        first_count = len(first.control.time_entries(business_id))
    with start_sandbox_process(0, state, seed="default") as second:
        again = alice_me(second)["business_memberships"]
        second_count = len(second.control.time_entries(business_id))
    assert len(memberships) == 3
    assert [m["business"]["id"] for m in again] == [m["business"]["id"] for m in memberships]
    assert second_count == first_count > 0


def alice_me(server) -> dict:
    tokens = server.control.obtain_tokens(
        client_id=DEFAULT_APP.client_id,
        client_secret=DEFAULT_APP.client_secret,
        redirect_uri=DEFAULT_APP.redirect_uris[0],
        email="alice@example.com",
    )
    me = requests.get(
        f"{server.url}/auth/api/v1/users/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    return me.json()["response"]


def test_flags_override_environment_variables():
    config = load_config(
        ["--port", "9000", "--control"],
        {
            "SANDBOX_PORT": "9100",
            "SANDBOX_HOST": "192.0.2.10",
            "SANDBOX_TOKEN_TTL": "60",
            "SANDBOX_SEED": "none",
            "SANDBOX_APPS": "a:b:http://x/cb,http://y/cb;c:d:http://z/cb",
        },
    )
    assert (config.port, config.host, config.control, config.token_ttl) == (
        9000,
        "192.0.2.10",
        True,
        60,
    )
    assert config.seed == "none"
    assert [app.client_id for app in config.apps] == ["a", "c"]
    assert config.apps[0].redirect_uris == ("http://x/cb", "http://y/cb")


def test_defaults_match_the_documented_command_line():
    config = load_config([], {})
    assert (config.host, config.port, config.control) == ("127.0.0.1", 8100, False)
    assert str(config.state_path) == ".sandbox/state.sqlite3"
    assert (config.token_ttl, config.code_ttl) == (43200, 300)
    assert (config.webhook_retry_base, config.webhook_max_attempts) == (5.0, 5)
    assert config.apps == (DEFAULT_APP,)
    assert config.seed == "default"


def test_control_mode_from_the_environment():
    assert load_config([], {"SANDBOX_CONTROL": "1"}).control is True
    assert load_config([], {"SANDBOX_CONTROL": "0"}).control is False


@pytest.mark.parametrize(
    ("argv", "environ"),
    [
        (["--app", "only-an-id"], {}),
        ([], {"SANDBOX_TOKEN_TTL": "-5"}),
        (["--seed", "lots"], {}),
        ([], {"SANDBOX_PORT": "eighty"}),
    ],
)
def test_bad_settings_stop_the_process_with_a_message(argv, environ, capsys):
    with pytest.raises(SystemExit):
        load_config(argv, environ)
    assert "error" in capsys.readouterr().err
