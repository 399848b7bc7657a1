"""``/me``, team members, scopes (403) and tenancy (404) (reference §1.6, §2, §9)."""

from __future__ import annotations

import requests

from tests.sandbox.helpers import World, connect


def test_me_lists_memberships_across_roles_including_a_client_only_one(world: World):
    me = world.alice.get("/auth/api/v1/users/me").json()["response"]
    assert me["email"] == world.summary["users"][0]["email"]
    assert me["id"] == me["identity_id"] == world.summary["users"][0]["identity_id"]
    memberships = {m["business"]["id"]: m for m in me["business_memberships"]}
    own, employed, client_only = world.summary["businesses"]
    assert memberships[own["business_id"]]["role"] == "owner"
    assert memberships[own["business_id"]]["business"]["account_id"] == own["account_id"]
    assert memberships[employed["business_id"]]["role"] == "business_employee"
    client_membership = memberships[client_only["business_id"]]
    assert client_membership["role"] == "client"
    assert client_membership["business"]["account_id"] is None
    (link,) = client_membership["business"]["business_clients"]
    assert link["account_id"] == employed["account_id"]
    assert memberships[own["business_id"]]["business"]["timezone"] == own["timezone"]


def test_memberships_never_share_an_id_with_their_business(world: World):
    me = world.alice.get("/auth/api/v1/users/me").json()["response"]
    for membership in me["business_memberships"]:
        assert membership["id"] != membership["business"]["id"]


def test_team_members_list_has_a_meta_without_pages(world: World):
    body = world.alice.get(f"/auth/api/v1/businesses/{world.business_id}/team_members").json()
    assert set(body["meta"]) == {"page", "per_page", "total"}
    assert body["meta"]["total"] == len(body["response"]) == 4  # 2 users + 2 team members
    roles = {member["business_role_name"] for member in body["response"]}
    assert "owner" in roles
    single = world.alice.get(
        f"/auth/api/v1/businesses/{world.business_id}/team_members/{body['response'][0]['uuid']}"
    ).json()["response"]
    assert single == body["response"][0]


def test_a_missing_token_is_401_in_each_familys_shape(world: World):
    url = world.sandbox.url
    cases = {
        "/auth/api/v1/users/me": {
            "error": "unauthenticated",
            "error_description": "This action requires authentication to continue.",
        },
        f"/events/account/{world.account_id}/events/callbacks": {
            "errno": 401,
            "message": "invalid_token: The request token failed to authenticate or validate.",
        },
    }
    for path, body in cases.items():
        response = requests.get(f"{url}{path}", timeout=10)
        assert (response.status_code, response.json()) == (401, body)
    projects = requests.get(f"{url}/projects/business/{world.business_id}/projects", timeout=10)
    assert projects.status_code == 401
    assert set(projects.json()) == {"message"}
    clients = requests.get(f"{url}{world.accounting('users/clients')}", timeout=10)
    assert clients.status_code == 401
    assert clients.json()["response"]["errors"][0]["errno"] == 1003


def test_a_garbage_token_is_401(world: World):
    response = requests.get(
        f"{world.sandbox.url}/auth/api/v1/users/me",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=10,
    )
    assert response.status_code == 401


def test_a_token_without_the_scope_gets_403_naming_the_scopes(world: World):
    narrow = connect(
        world.sandbox,
        email=world.summary["users"][0]["email"],
        scope="user:profile:read user:time_entries:read",
    )
    assert narrow.get("/auth/api/v1/users/me").status_code == 200
    assert narrow.get(world.entries_path()).status_code == 200
    write = narrow.post(world.entries_path(), json={"time_entry": {"duration": 1}})
    assert write.status_code == 403
    assert "user:time_entries:write" in write.json()["error"]
    clients = narrow.get(world.accounting("users/clients"))
    assert clients.status_code == 403
    error = clients.json()["response"]["errors"][0]
    assert error["errno"] == 1003
    assert "user:clients:read" in error["message"]
    assert "user:time_entries:read" in error["message"]
    team = narrow.get(f"/comments/business/{world.business_id}/team_member_rates")
    assert team.status_code == 403


def test_a_business_the_caller_is_not_staff_of_is_404(world: World):
    client_only = world.summary["businesses"][2]["business_id"]
    response = world.alice.get(world.entries_path(client_only))
    assert response.status_code == 404
    assert response.json() == {"error": "Requested resource could not be found."}
    unknown = world.alice.get(world.entries_path(1))
    assert unknown.status_code == 404


def test_an_account_the_caller_is_not_on_is_404_account_not_found(world: World):
    bob_only = world.sandbox.control.seed(users=1, businesses=1, clients=1, time_entries=0)
    stranger_account = bob_only["businesses"][0]["account_id"]
    response = world.alice.get(f"/accounting/account/{stranger_account}/users/clients")
    assert response.status_code == 404
    assert response.json()["response"]["errors"][0] == {
        "errno": 404,
        "field": None,
        "message": "Account not found",
        "object": None,
        "value": None,
    }


def test_another_accounts_objects_are_404_even_by_id(world: World):
    """Bob's business's client, asked for through Alice's own account."""
    bob_account = world.other_business["account_id"]
    bob_client = world.bob.get(f"/accounting/account/{bob_account}/users/clients").json()[
        "response"
    ]["result"]["clients"][0]
    response = world.alice.get(world.accounting(f"users/clients/{bob_client['id']}"))
    assert response.status_code == 404
    assert response.json()["response"]["errors"][0]["errno"] == 1012
    bob_entry = world.bob.get(world.entries_path(world.other_business["business_id"])).json()[
        "time_entries"
    ][0]
    assert world.alice.get(f"{world.entries_path()}/{bob_entry['id']}").status_code == 404
