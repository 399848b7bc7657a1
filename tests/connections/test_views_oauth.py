"""The OAuth callback: state checked, code exchanged once, /me read; bad input saves nothing."""

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
import responses
import time_machine
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection, FreshBooksIdentity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME_BODY = {
    "response": {
        "id": 777,
        "identity_id": 777,
        "identity_uuid": "uuid-777",
        "first_name": "Fran",
        "last_name": "Books",
        "email": "fran@example.com",
        "business_memberships": [
            {
                "id": 1,
                "role": "owner",
                "fasttrack_token": "must-not-be-stored",
                "business": {
                    "id": 11,
                    "name": "Fran's Studio",
                    "account_id": "FRAN11",
                    "business_uuid": "b-uuid-11",
                    "timezone": "America/Toronto",
                    "active": True,
                },
            },
            {
                "id": 2,
                "role": "client",
                "business": {"id": 22, "name": "Someone Else Inc", "account_id": None},
            },
        ],
    }
}


def token_body(access="issued-access", refresh="issued-refresh"):
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": 43200,
        "created_at": int(time.time()),
        "scope": "user:profile:read",
    }


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def freshbooks(settings):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.api_url = settings.FRESHBOOKS_API_BASE_URL
        yield mock


def start_flow(client) -> str:
    response = client.post(reverse("connections:connect"))
    assert response.status_code == 302
    return parse_qs(urlparse(response["Location"]).query)["state"][0]


def nothing_saved():
    return not FreshBooksIdentity.objects.exists() and not Connection.objects.exists()


def test_connect_redirects_to_the_authorize_page_with_a_session_bound_state(user_client, settings):
    response = user_client.post(reverse("connections:connect"))

    location = urlparse(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}" == settings.FRESHBOOKS_AUTH_BASE_URL
    assert location.path == "/oauth/authorize"
    assert query["client_id"] == [settings.FRESHBOOKS_CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [settings.FRESHBOOKS_REDIRECT_URI]
    assert query["scope"] == [" ".join(settings.FRESHBOOKS_SCOPES)]
    assert query["state"][0] in user_client.session["freshbooks_oauth_states"]


def test_connect_is_post_only(user_client):
    assert user_client.get(reverse("connections:connect")).status_code == 405


def test_a_valid_callback_stores_the_identity_and_goes_to_the_business_picker(
    user_client, freshbooks
):
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=ME_BODY)
    state = start_flow(user_client)

    response = user_client.get(
        reverse("connections:oauth_callback"), {"code": "good-code", "state": state}
    )

    connection = Connection.objects.get(user=user_client.user)
    assert response.status_code == 302
    assert response["Location"] == reverse("connections:businesses", args=[connection.pk])
    identity = connection.identity
    assert identity.identity_id == 777
    assert identity.access_token == "issued-access"
    assert identity.state == FreshBooksIdentity.State.ACTIVE
    assert "must-not-be-stored" not in json.dumps(identity.memberships)
    exchange = json.loads(freshbooks.calls[0].request.body)
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code"] == "good-code"


def test_callback_without_state_is_refused_and_saves_nothing(user_client, freshbooks):
    start_flow(user_client)

    response = user_client.get(reverse("connections:oauth_callback"), {"code": "c"})

    assert response.status_code == 400
    assert b"no state parameter" in response.content
    assert nothing_saved()
    assert len(freshbooks.calls) == 0


def test_callback_with_a_wrong_state_is_refused(user_client, freshbooks):
    start_flow(user_client)

    response = user_client.get(
        reverse("connections:oauth_callback"), {"code": "c", "state": "forged"}
    )

    assert response.status_code == 400
    assert b"does not match a connection you started" in response.content
    assert nothing_saved()


def test_a_state_works_once(user_client, freshbooks):
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=ME_BODY)
    state = start_flow(user_client)
    url = reverse("connections:oauth_callback")
    assert user_client.get(url, {"code": "c", "state": state}).status_code == 302

    replay = user_client.get(url, {"code": "c", "state": state}, follow=True)

    # A reload of the callback page: the connection exists, so the picker says so.
    connection = Connection.objects.get()
    assert replay.redirect_chain == [(reverse("connections:businesses", args=[connection.pk]), 302)]
    assert "already connected" in replay.content.decode()
    assert len([c for c in freshbooks.calls if c.request.url.endswith("/token")]) == 1


def test_a_used_state_whose_connection_was_disconnected_is_refused(user_client, freshbooks):
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=ME_BODY)
    state = start_flow(user_client)
    url = reverse("connections:oauth_callback")
    user_client.get(url, {"code": "c", "state": state})
    Connection.objects.update(disconnected_at=timezone.now())

    replay = user_client.get(url, {"code": "c", "state": state})

    assert replay.status_code == 400
    assert b"already used" in replay.content


def test_an_expired_state_is_refused(user_client, freshbooks):
    with time_machine.travel("2026-11-21 12:00:00Z", tick=False):
        state = start_flow(user_client)
    with time_machine.travel("2026-11-21 12:10:01Z", tick=False):
        response = user_client.get(
            reverse("connections:oauth_callback"), {"code": "c", "state": state}
        )

    assert response.status_code == 400
    assert b"expired" in response.content
    assert nothing_saved()


def test_a_state_from_another_browser_session_is_refused(client, freshbooks):
    owner = UserFactory()
    client.force_login(owner)
    state = start_flow(client)
    client.logout()
    client.force_login(UserFactory())

    response = client.get(reverse("connections:oauth_callback"), {"code": "c", "state": state})

    assert response.status_code == 400
    assert nothing_saved()


def test_access_denied_on_freshbooks_is_explained_and_saves_nothing(user_client, freshbooks):
    state = start_flow(user_client)

    response = user_client.get(
        reverse("connections:oauth_callback"), {"error": "access_denied", "state": state}
    )

    assert response.status_code == 400
    assert b"access was not granted" in response.content
    assert nothing_saved()


def test_a_code_freshbooks_refuses_gives_a_clear_page(user_client, freshbooks):
    freshbooks.post(
        f"{freshbooks.api_url}/auth/oauth/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "The provided grant is invalid."},
    )
    state = start_flow(user_client)

    response = user_client.get(
        reverse("connections:oauth_callback"), {"code": "someone-elses", "state": state}
    )

    assert response.status_code == 400
    assert b"did not accept the authorization" in response.content
    assert nothing_saved()


@pytest.mark.parametrize(
    "me_response",
    [
        {"body": "<html><body>502 Bad Gateway</body></html>", "status": 200},
        {"body": "{not json", "status": 200},
        {"json": {"response": {"email": "no-id@example.com"}}, "status": 200},
        {"body": "<html>oops</html>", "status": 500},
    ],
    ids=["html-page", "malformed-json", "no-identity-id", "server-error"],
)
def test_a_malformed_me_gives_a_clear_page_and_saves_nothing(
    user_client, freshbooks, settings, me_response
):
    settings.FRESHBOOKS_MAX_ATTEMPTS = 1
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", **me_response)
    state = start_flow(user_client)

    response = user_client.get(reverse("connections:oauth_callback"), {"code": "c", "state": state})

    assert response.status_code == 502
    assert b"did not say who you are" in response.content
    assert nothing_saved()


def test_a_me_without_memberships_connects_and_says_there_is_nothing_to_pick(
    user_client, freshbooks
):
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    empty = {"response": {**ME_BODY["response"], "business_memberships": []}}
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=empty)
    state = start_flow(user_client)

    response = user_client.get(
        reverse("connections:oauth_callback"), {"code": "c", "state": state}, follow=True
    )

    assert b"FreshBooks lists no businesses for this login" in response.content
    identity = FreshBooksIdentity.objects.get()
    assert identity.last_error == "FreshBooks reports no business memberships for this user."


def test_two_local_users_connecting_one_freshbooks_user_share_its_credential(client, freshbooks):
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body("a1", "r1"))
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body("a2", "r2"))
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=ME_BODY)
    for user in (UserFactory(), UserFactory()):
        client.force_login(user)
        state = start_flow(client)
        client.get(reverse("connections:oauth_callback"), {"code": "c", "state": state})

    identity = FreshBooksIdentity.objects.get()
    assert identity.connections.count() == 2
    assert identity.refresh_token == "r2"  # the newest grant is FreshBooks' one live token


def test_the_callback_requires_login(client):
    response = client.get(reverse("connections:oauth_callback"), {"code": "c", "state": "s"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_hostile_text_in_me_is_stored_without_nul_or_bidirectional_controls():
    from connections.services.oauth import profile_from_me

    profile = profile_from_me(
        {
            "identity_id": 7,
            "first_name": "Eve\x00",
            "last_name": "\u202eevil",
            "business_memberships": [
                {"id": 1, "role": "owner", "business": {"id": 5, "name": "Acme\x00 \u202eoc"}}
            ],
        }
    )

    assert profile.first_name == "Eve\ufffd"
    assert profile.last_name == "evil"
    assert profile.memberships[0]["business"]["name"] == "Acme\ufffd oc"


def test_reconnecting_resumes_the_paused_businesses_and_closes_the_reconnect_issue(
    user_client, freshbooks, django_capture_on_commit_callbacks
):
    from connections.models import ConnectedBusiness
    from invoicing.models import SyncRun
    from tests.factories import ConnectedBusinessFactory, ConnectionFactory, IdentityFactory

    identity = IdentityFactory(identity_id=777, state=FreshBooksIdentity.State.REAUTH_REQUIRED)
    connection = ConnectionFactory(user=user_client.user, identity=identity)
    business = ConnectedBusinessFactory(
        connection=connection,
        business_id=11,
        sync_state=ConnectedBusiness.SyncState.REAUTH_REQUIRED,
        last_error="FreshBooks access was lost.",
    )
    assert 'data-issue="reconnect"' in user_client.get(reverse("dashboard")).content.decode()
    freshbooks.post(f"{freshbooks.api_url}/auth/oauth/token", json=token_body())
    freshbooks.get(f"{freshbooks.api_url}/auth/api/v1/users/me", json=ME_BODY)
    state = start_flow(user_client)

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        user_client.get(reverse("connections:oauth_callback"), {"code": "c", "state": state})

    business.refresh_from_db()
    assert business.sync_state == ConnectedBusiness.SyncState.NEVER  # never synced before
    assert SyncRun.objects.get(business=business).trigger == "reconnect"
    assert len(enqueued) == 1
    html = user_client.get(reverse("dashboard")).content.decode()
    assert 'data-issue="reconnect"' not in html
    assert "No open issues" in html
