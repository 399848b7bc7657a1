"""Failed sign-ins are limited per address and per address-and-account, in the shared Redis cache.

A stranger typing wrong passwords for someone's address locks only themselves out, and every web
process (here: the test and a separate ``manage.py`` process) sees the same counters.
"""

import os
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from integration_app.redis import get_redis
from tests.factories import UserFactory
from tests.plugins.processes import REPO_ROOT, database_url_for_subprocess

PASSWORD = "a-long-enough-passphrase-42"
WRONG = "not-the-password-at-all"
NOT_CORRECT = b"The email address and/or password you specified are not correct."
TOO_MANY = b"Too many failed login attempts. Try again later."
ATTACKER_IP = "203.0.113.10"
VICTIM_IP = "198.51.100.20"


def _rate_limit_keys() -> list[bytes]:
    return list(get_redis().scan_iter(match=f"{settings.REDIS_KEY_PREFIX}cache:*allauth:rl:*"))


@pytest.fixture(autouse=True)
def no_counters_left():
    """This run's rate-limit keys only (never cache.clear(): it flushes the whole database)."""
    for key in _rate_limit_keys():
        get_redis().delete(key)
    yield
    for key in _rate_limit_keys():
        get_redis().delete(key)


@pytest.fixture
def victim():
    user = UserFactory(email="victim@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def exhaust_from(client: Client, email: str, attempts: int = 5) -> None:
    for _ in range(attempts):
        response = sign_in(client, email, WRONG)
        assert response.status_code == 200
        assert NOT_CORRECT in response.content


@pytest.mark.django_db
def test_a_stranger_cannot_lock_the_victim_out_from_another_address(victim):
    attacker = Client(REMOTE_ADDR=ATTACKER_IP)
    owner = Client(REMOTE_ADDR=VICTIM_IP)

    exhaust_from(attacker, victim.email)
    refused = sign_in(attacker, victim.email, PASSWORD)
    signed_in = sign_in(owner, victim.email, PASSWORD)

    # The attacker's address is refused, even with the right password...
    assert refused.status_code == 200
    assert TOO_MANY in refused.content
    assert "_auth_user_id" not in attacker.session
    # ...while the owner, elsewhere, signs in.
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("dashboard")
    assert owner.session["_auth_user_id"] == str(victim.pk)


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_visitors_address_counts_not_the_proxys(victim, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # TRUSTED_PROXY_COUNT=1: one load balancer
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER_IP}")
    owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=VICTIM_IP)

    exhaust_from(attacker, victim.email)

    assert TOO_MANY in sign_in(attacker, victim.email, PASSWORD).content
    assert sign_in(owner, victim.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_one_address_is_limited_across_accounts(victim):
    attacker = Client(REMOTE_ADDR="203.0.113.11")

    for number in range(10):
        response = sign_in(attacker, f"someone{number}@example.com", WRONG)
        assert NOT_CORRECT in response.content

    assert TOO_MANY in sign_in(attacker, victim.email, PASSWORD).content
    assert sign_in(Client(REMOTE_ADDR="203.0.113.12"), victim.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_does_not_count_as_a_failure(victim):
    owner = Client(REMOTE_ADDR=VICTIM_IP)

    exhaust_from(owner, victim.email, attempts=4)
    assert sign_in(owner, victim.email, PASSWORD).status_code == 302
    owner.logout()

    # Four failures and a success: one more failure is still allowed before the lock.
    exhaust_from(owner, victim.email, attempts=1)
    assert TOO_MANY in sign_in(owner, victim.email, PASSWORD).content


@pytest.mark.django_db
def test_the_counters_are_redis_keys_under_this_runs_prefix(victim):
    exhaust_from(Client(REMOTE_ADDR=ATTACKER_IP), victim.email, attempts=3)

    keys = [key.decode() for key in _rate_limit_keys() if b"login_failed" in key]

    assert keys, "no login_failed counter in Redis"
    assert all(key.startswith(f"{settings.REDIS_KEY_PREFIX}cache:") for key in keys)
    # A cache connection of its own (as another web process has) reads the same histories.
    fresh = caches.create_connection("default")
    histories = [fresh.get(key.split(":1:", 1)[1]) for key in keys]
    assert sorted(len(history) for history in histories) == [3, 3]


SIGN_IN_AS_VICTIM = """
from django.test import Client
response = Client(REMOTE_ADDR="{ip}").post(
    "/accounts/login/", {{"login": "victim@example.com", "password": "{password}"}}
)
print("TOO_MANY" if b"Too many failed login attempts" in response.content else response.status_code)
"""


def _sign_in_from_another_process(ip: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            SIGN_IN_AS_VICTIM.format(ip=ip, password=PASSWORD),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url_for_subprocess()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_another_web_process_sees_the_same_counters(victim):
    exhaust_from(Client(REMOTE_ADDR=ATTACKER_IP), victim.email)

    assert _sign_in_from_another_process(ATTACKER_IP) == "TOO_MANY"
    assert _sign_in_from_another_process(VICTIM_IP) == "302"


def test_django_cache_is_the_shared_redis_under_the_key_prefix():
    cache = settings.CACHES["default"]

    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == settings.REDIS_URL
    assert cache["KEY_PREFIX"] == f"{settings.REDIS_KEY_PREFIX}cache"


@pytest.mark.django_db
def test_the_admin_login_form_cannot_be_used_to_get_around_the_limits(client):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)

    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
