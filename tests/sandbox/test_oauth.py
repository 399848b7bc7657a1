"""OAuth2: consent page, code exchange, refresh rotation, revocation (reference §1)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import requests

from sandbox.process import start_sandbox_process
from tests.plugins.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URIS
from tests.sandbox.helpers import connect, token_request

INVALID_GRANT = "invalid_grant"


def _seed_users(sandbox) -> dict:
    return sandbox.control.seed(users=2, businesses=3, clients=2, time_entries=0, team_members=0)


def _code(sandbox, email: str, **kwargs) -> str:
    return sandbox.control.grant_code(
        client_id=sandbox.client_id, email=email, redirect_uri=sandbox.redirect_uri, **kwargs
    )


def _exchange(sandbox, code: str, **overrides) -> requests.Response:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sandbox.redirect_uri,
    }
    fields.update(overrides)
    return token_request(sandbox, **fields)


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def test_authorize_shows_a_consent_page_for_a_registered_app(sandbox):
    _seed_users(sandbox)
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "code",
            "state": "xyz",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert "alice@example.com" in response.text
    assert "name='state' value='xyz'" in response.text


def test_allowing_consent_redirects_with_a_code_and_the_state(sandbox):
    _seed_users(sandbox)
    response = requests.post(
        f"{sandbox.url}/oauth/authorize",
        data={
            "client_id": sandbox.client_id,
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "code",
            "state": "opaque-123",
            "email": "alice@example.com",
            "decision": "allow",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(sandbox.redirect_uri)
    query = _query(location)
    assert query["state"] == ["opaque-123"]
    exchanged = _exchange(sandbox, query["code"][0])
    assert exchanged.status_code == 200
    assert exchanged.json()["token_type"] == "Bearer"


def test_refusing_consent_redirects_with_access_denied_and_the_state(sandbox):
    _seed_users(sandbox)
    response = requests.post(
        f"{sandbox.url}/oauth/authorize",
        data={
            "client_id": sandbox.client_id,
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "code",
            "state": "s1",
            "decision": "deny",
        },
        allow_redirects=False,
        timeout=10,
    )
    query = _query(response.headers["Location"])
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s1"]
    assert "code" not in query


def test_authorize_with_an_unknown_client_is_an_error_page_not_a_redirect(sandbox):
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={
            "client_id": "who",
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "code",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 401
    assert "invalid_client" in response.text
    assert "Location" not in response.headers


def test_authorize_with_an_unregistered_redirect_uri_is_an_error_page(sandbox):
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": "https://evil.example.com/callback",
            "response_type": "code",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400
    assert "invalid_redirect_uri" in response.text
    assert "Location" not in response.headers


def test_authorize_requires_response_type_code(sandbox):
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "token",
            "state": "st",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    query = _query(response.headers["Location"])
    assert query["error"] == ["unsupported_response_type"]
    assert query["state"] == ["st"]


def test_authorize_with_an_unknown_scope_redirects_with_invalid_scope(sandbox):
    response = requests.get(
        f"{sandbox.url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": sandbox.redirect_uri,
            "response_type": "code",
            "scope": "user:profile:read user:everything:write",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert _query(response.headers["Location"])["error"] == ["invalid_scope"]


def test_token_response_has_the_documented_fields(sandbox):
    _seed_users(sandbox)
    before = int(time.time())
    body = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 43200
    assert before <= body["created_at"] <= int(time.time())
    assert len(body["refresh_token"]) == 64
    assert "user:profile:read" in body["scope"].split()


def test_code_exchange_accepts_form_encoded_bodies(sandbox):
    _seed_users(sandbox)
    response = requests.post(
        f"{sandbox.url}/auth/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "redirect_uri": sandbox.redirect_uri,
            "code": _code(sandbox, "alice@example.com"),
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_code_reuse_gives_invalid_grant(sandbox):
    _seed_users(sandbox)
    code = _code(sandbox, "alice@example.com")
    assert _exchange(sandbox, code).status_code == 200
    reused = _exchange(sandbox, code)
    assert reused.status_code == 400
    assert reused.json()["error"] == INVALID_GRANT
    assert reused.json()["error_description"]


def test_code_exchange_with_a_different_redirect_uri_gives_invalid_grant(sandbox):
    _seed_users(sandbox)
    code = _code(sandbox, "alice@example.com")
    response = _exchange(sandbox, code, redirect_uri=sandbox.redirect_uris[1])
    assert response.status_code == 400
    assert response.json()["error"] == INVALID_GRANT


def test_code_exchange_with_a_wrong_secret_gives_invalid_client(sandbox):
    _seed_users(sandbox)
    code = _code(sandbox, "alice@example.com")
    response = _exchange(sandbox, code, client_secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # the code was not spent by the failed attempt
    assert _exchange(sandbox, code).status_code == 200


def test_expired_code_gives_invalid_grant(sandbox, tmp_path):
    app = f"{TEST_CLIENT_ID}:{TEST_CLIENT_SECRET}:{TEST_REDIRECT_URIS[0]}"
    with start_sandbox_process(
        0, tmp_path / "state.sqlite3", apps=[app], extra_args=("--code-ttl", "1")
    ) as short_lived:
        short_lived.control.seed(users=1, businesses=1, clients=0, time_entries=0)
        code = short_lived.control.grant_code(client_id=TEST_CLIENT_ID, email="alice@example.com")
        time.sleep(1.2)
        response = requests.post(
            f"{short_lived.url}/auth/oauth/token",
            json={
                "grant_type": "authorization_code",
                "client_id": TEST_CLIENT_ID,
                "client_secret": TEST_CLIENT_SECRET,
                "redirect_uri": TEST_REDIRECT_URIS[0],
                "code": code,
            },
            timeout=10,
        )
    assert response.status_code == 400
    assert response.json()["error"] == INVALID_GRANT


def test_missing_grant_type_gives_invalid_request(sandbox):
    response = requests.post(f"{sandbox.url}/auth/oauth/token", json={}, timeout=10)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: grant_type.",
    }


def test_unsupported_grant_type_is_refused(sandbox):
    response = token_request(sandbox, grant_type="client_credentials")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_both_tokens(sandbox):
    _seed_users(sandbox)
    first = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    second = token_request(
        sandbox,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        redirect_uri=sandbox.redirect_uri,
    )
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert second.json()["access_token"] != first["access_token"]
    assert second.json()["scope"] == first["scope"]


def test_refresh_token_reuse_gives_invalid_grant(sandbox):
    _seed_users(sandbox)
    first = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    assert (
        token_request(
            sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"]
        ).status_code
        == 200
    )
    reused = token_request(
        sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == INVALID_GRANT


def test_only_one_refresh_token_is_alive_per_user_and_app(sandbox):
    _seed_users(sandbox)
    older = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    newer = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    dead = token_request(sandbox, grant_type="refresh_token", refresh_token=older["refresh_token"])
    assert dead.status_code == 400
    assert dead.json()["error"] == INVALID_GRANT
    alive = token_request(sandbox, grant_type="refresh_token", refresh_token=newer["refresh_token"])
    assert alive.status_code == 200


def test_another_users_refresh_token_survives_a_rotation(sandbox):
    _seed_users(sandbox)
    alice = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    _exchange(sandbox, _code(sandbox, "bob@example.com"))
    response = token_request(
        sandbox, grant_type="refresh_token", refresh_token=alice["refresh_token"]
    )
    assert response.status_code == 200


def test_control_rotation_kills_the_current_refresh_token(sandbox):
    summary = _seed_users(sandbox)
    alice = _exchange(sandbox, _code(sandbox, "alice@example.com")).json()
    rotated = sandbox.control.rotate_refresh_token(
        identity_id=summary["users"][0]["identity_id"], client_id=sandbox.client_id
    )
    dead = token_request(sandbox, grant_type="refresh_token", refresh_token=alice["refresh_token"])
    assert dead.json()["error"] == INVALID_GRANT
    alive = token_request(
        sandbox, grant_type="refresh_token", refresh_token=rotated["refresh_token"]
    )
    assert alive.status_code == 200


def test_old_access_tokens_keep_working_after_a_refresh(sandbox):
    _seed_users(sandbox)
    api = connect(sandbox, email="alice@example.com")
    refreshed = token_request(sandbox, grant_type="refresh_token", refresh_token=api.refresh_token)
    assert refreshed.status_code == 200
    assert api.get("/auth/api/v1/users/me").status_code == 200


def test_revoking_an_access_token_makes_it_unauthorized(sandbox):
    _seed_users(sandbox)
    api = connect(sandbox, email="alice@example.com")
    response = requests.post(
        f"{sandbox.url}/auth/oauth/revoke",
        json={
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "token": api.access_token,
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == {}
    assert api.get("/auth/api/v1/users/me").status_code == 401


def test_revoking_a_refresh_token_kills_it_and_its_access_token(sandbox):
    _seed_users(sandbox)
    api = connect(sandbox, email="alice@example.com")
    requests.post(
        f"{sandbox.url}/auth/oauth/revoke",
        json={
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "token": api.refresh_token,
        },
        timeout=10,
    )
    refreshed = token_request(sandbox, grant_type="refresh_token", refresh_token=api.refresh_token)
    assert refreshed.json()["error"] == INVALID_GRANT
    assert api.get("/auth/api/v1/users/me").status_code == 401


def test_revoke_with_a_wrong_secret_gives_invalid_client(sandbox):
    _seed_users(sandbox)
    api = connect(sandbox, email="alice@example.com")
    response = requests.post(
        f"{sandbox.url}/auth/oauth/revoke",
        json={"client_id": sandbox.client_id, "client_secret": "nope", "token": api.access_token},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert api.get("/auth/api/v1/users/me").status_code == 200


def test_access_tokens_expire_after_their_ttl(sandbox, tmp_path):
    app = f"{TEST_CLIENT_ID}:{TEST_CLIENT_SECRET}:{TEST_REDIRECT_URIS[0]}"
    with start_sandbox_process(0, tmp_path / "state.sqlite3", apps=[app], token_ttl=1) as server:
        server.control.seed(users=1, businesses=1, clients=0, time_entries=0)
        tokens = server.control.obtain_tokens(
            client_id=TEST_CLIENT_ID,
            client_secret=TEST_CLIENT_SECRET,
            redirect_uri=TEST_REDIRECT_URIS[0],
            email="alice@example.com",
        )
        assert tokens["expires_in"] == 1
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = f"{server.url}/auth/api/v1/users/me"
        assert requests.get(me, headers=headers, timeout=10).status_code == 200
        time.sleep(1.2)
        expired = requests.get(me, headers=headers, timeout=10)
    assert expired.status_code == 401
    assert expired.json()["error"] == "unauthenticated"


def test_expiring_all_tokens_through_control_gives_401(sandbox):
    _seed_users(sandbox)
    api = connect(sandbox, email="alice@example.com")
    assert sandbox.control.expire_tokens() >= 1
    assert api.get("/auth/api/v1/users/me").status_code == 401
    refreshed = token_request(sandbox, grant_type="refresh_token", refresh_token=api.refresh_token)
    assert refreshed.status_code == 200
