"""The connect journey and token handling against the running FreshBooks sandbox."""

import multiprocessing
import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from connections.freshbooks import FreshBooksClient, TransportError
from connections.models import ConnectedBusiness, FreshBooksIdentity
from connections.services.freshbooks_api import IdentityTokenSource, api_client_for
from connections.services.tokens import ReauthorizationRequired
from tests.factories import UserFactory
from tests.plugins.concurrency import call_me_as_identity
from tests.plugins.freshbooks import connect_sandbox_business, sandbox_env
from tests.plugins.processes import database_url_for_subprocess

pytestmark = pytest.mark.django_db

TOKEN_ROUTE = "POST /auth/oauth/token"


def consent(authorize_url: str, *, email: str, decision: str = "allow") -> str:
    """Play the user on the sandbox's consent page; returns where FreshBooks redirects."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", page.text))
    form.update({"email": email, "decision": decision})
    origin = "{0.scheme}://{0.netloc}".format(urlparse(authorize_url))
    answer = requests.post(
        f"{origin}/oauth/authorize", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]


def back_to_app(client, location: str):
    callback = urlparse(location)
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def person(use_sandbox):
    seeded = use_sandbox.control.seed()
    return seeded["users"][0], seeded


def test_the_whole_connect_journey_through_the_sandbox_consent_page(
    client, use_sandbox, person, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level("DEBUG")
    user, seeded = person
    client.force_login(UserFactory())
    authorize_url = client.post(reverse("connections:connect"))["Location"]

    location = consent(authorize_url, email=user["email"])
    picker = back_to_app(client, location)

    assert picker.status_code == 302
    page = client.get(picker["Location"]).content.decode()
    owned = [
        b
        for b in seeded["businesses"]
        if b["owner_identity_id"] == user["identity_id"] and not b["client_only"]
    ]
    for business in owned:
        assert business["name"] in page
        assert business["account_id"] in page
    assert "You are a client of this business in FreshBooks" in page
    with django_capture_on_commit_callbacks() as queued:
        chosen = client.post(picker["Location"], {"business_ids": [owned[0]["business_id"]]})
    assert chosen.status_code == 302
    # The initial full sync (and the webhook subscription) are enqueued after commit.
    assert any("sync.business_sync" in repr(callback) for callback in queued)
    connected = ConnectedBusiness.objects.get()
    assert connected.account_id == owned[0]["account_id"]
    assert connected.timezone == owned[0]["timezone"]
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert owned[0]["name"] in dashboard
    identity = FreshBooksIdentity.objects.get()
    for secret in (identity.access_token, identity.refresh_token):
        assert secret not in caplog.text
        assert secret not in page and secret not in dashboard


def test_denying_on_the_consent_page_connects_nothing(client, use_sandbox, person):
    user, _seeded = person
    client.force_login(UserFactory())
    authorize_url = client.post(reverse("connections:connect"))["Location"]

    response = back_to_app(client, consent(authorize_url, email=user["email"], decision="deny"))

    assert response.status_code == 400
    assert "access was not granted" in response.content.decode()
    assert not FreshBooksIdentity.objects.exists()


def test_a_code_is_exchanged_once_and_a_reloaded_callback_says_already_connected(
    client, use_sandbox, person
):
    user, _seeded = person
    client.force_login(UserFactory())
    authorize_url = client.post(reverse("connections:connect"))["Location"]
    location = consent(authorize_url, email=user["email"])
    first = back_to_app(client, location)
    assert first.status_code == 302
    use_sandbox.control.reset_calls()

    replay = back_to_app(client, location)

    assert replay.status_code == 302
    assert replay["Location"] == first["Location"]  # the business picker
    assert "already connected" in client.get(replay["Location"]).content.decode()
    assert use_sandbox.control.calls().get(TOKEN_ROUTE, 0) == 0


def test_a_callback_replayed_in_another_session_is_refused(client, use_sandbox, person):
    user, _seeded = person
    client.force_login(UserFactory())
    authorize_url = client.post(reverse("connections:connect"))["Location"]
    location = consent(authorize_url, email=user["email"])
    assert back_to_app(client, location).status_code == 302
    use_sandbox.control.reset_calls()
    other = client.__class__()
    other.force_login(UserFactory())

    replay = back_to_app(other, location)

    assert replay.status_code == 400
    assert use_sandbox.control.calls().get(TOKEN_ROUTE, 0) == 0


def test_a_code_issued_to_another_app_is_refused(client, use_sandbox, person, settings):
    user, _seeded = person
    client.force_login(UserFactory())
    authorize_url = client.post(reverse("connections:connect"))["Location"]
    location = consent(authorize_url, email=user["email"])
    settings.FRESHBOOKS_CLIENT_SECRET = "not-the-apps-secret"

    response = back_to_app(client, location)

    assert response.status_code == 400
    assert "did not accept the authorization" in response.content.decode()
    assert not FreshBooksIdentity.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("expired_where", ["locally", "only_at_freshbooks"])
def test_eight_processes_with_an_expired_token_cause_exactly_one_refresh(
    use_sandbox, expired_where
):
    seeded = connect_sandbox_business(use_sandbox, time_entries=10)
    identity = seeded.identity
    use_sandbox.control.expire_tokens()
    if expired_where == "locally":
        FreshBooksIdentity.objects.filter(pk=identity.pk).update(
            access_token_expires_at=timezone.now() - timedelta(minutes=1)
        )
    use_sandbox.control.reset_calls()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(8), context.Queue()
    env = {**sandbox_env(use_sandbox), "DATABASE_URL": database_url_for_subprocess()}
    env = {key: value for key, value in env.items() if value is not None}
    workers = [
        context.Process(target=call_me_as_identity, args=(identity.pk, env, barrier, results))
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert outcomes == [("ok", identity.identity_id)] * 8
    calls = use_sandbox.control.calls()
    assert calls[TOKEN_ROUTE] == 1
    identity.refresh_from_db()
    assert identity.state == FreshBooksIdentity.State.ACTIVE
    assert identity.consecutive_failures == 0


def test_a_refresh_token_rotated_elsewhere_leads_to_a_reconnect_prompt(client, use_sandbox):
    seeded = connect_sandbox_business(use_sandbox, time_entries=10)
    use_sandbox.control.rotate_refresh_token(
        identity_id=seeded.identity.identity_id, client_id=use_sandbox.client_id
    )
    use_sandbox.control.expire_tokens()

    with pytest.raises(ReauthorizationRequired), api_client_for(seeded.identity) as api:
        api.me()

    seeded.identity.refresh_from_db()
    assert seeded.identity.state == FreshBooksIdentity.State.REAUTH_REQUIRED
    client.force_login(seeded.business.connection.user)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "FreshBooks access was lost" in dashboard
    assert "Reconnect FreshBooks" in dashboard


def _client_with_recorded_sleeps(identity, settings, **options):
    sleeps = []
    client = FreshBooksClient(
        api_base_url=settings.FRESHBOOKS_API_BASE_URL,
        token_source=IdentityTokenSource(identity.pk),
        user_agent="tests",
        sleep=sleeps.append,
        **options,
    )
    return client, sleeps


def test_a_429_with_retry_after_is_waited_out_then_retried(use_sandbox, settings):
    seeded = connect_sandbox_business(use_sandbox, time_entries=10)
    use_sandbox.control.add_fault(
        method="GET",
        path=r"/auth/api/v1/users/me",
        kind="status",
        status=429,
        retry_after=1,
        times=2,
    )
    use_sandbox.control.reset_calls()
    client, sleeps = _client_with_recorded_sleeps(seeded.identity, settings)

    me = client.me()

    assert me["id"] == seeded.identity.identity_id
    assert sleeps == [1.0, 1.0]
    assert use_sandbox.control.calls()["GET /auth/api/v1/users/me"] == 3


def test_a_post_that_times_out_after_freshbooks_accepted_it_is_not_repeated(use_sandbox, settings):
    seeded = connect_sandbox_business(use_sandbox, time_entries=10)
    account_id = seeded.business.account_id
    customer_id = use_sandbox.control.state(account_id, "clients")[0]["id"]
    use_sandbox.control.add_fault(
        method="POST",
        path=r".*/invoices/invoices$",
        kind="timeout",
        timeout_s=3,
        phase="after",
        times=1,
    )
    client, sleeps = _client_with_recorded_sleeps(seeded.identity, settings, timeout=(2, 1))
    before = len(use_sandbox.control.invoices(account_id))

    with pytest.raises(TransportError) as raised:
        client.create_invoice(
            account_id,
            {"customerid": customer_id, "create_date": "2026-11-20", "lines": []},
        )

    assert raised.value.maybe_sent is True
    assert len(use_sandbox.control.invoices(account_id)) == before + 1
    posts = use_sandbox.control.calls()["POST /accounting/account/{account_id}/invoices/invoices"]
    assert posts == 1
    assert sleeps == []
