"""Fixtures that connect the app to the running sandbox: settings, identities, businesses.

``point_app_at``, ``sandbox_env`` and ``connect_sandbox_business`` need no pytest fixture; the
browser tests and the benchmarks (bench/) use them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from connections.freshbooks import TokenSet
from connections.models import ConnectedBusiness, FreshBooksIdentity
from connections.services.freshbooks_api import _rate_gate_for
from connections.services.tokens import identity_tokens_store
from tests.factories import ConnectedBusinessFactory, ConnectionFactory, UserFactory

# Calls a second (and burst) the app may make to the sandbox: generous, so tests never wait.
RATE = 1000


def sandbox_settings(sandbox, *, rate: int = RATE) -> dict[str, Any]:
    """The app's FreshBooks settings for the sandbox and its registered app."""
    return {
        "FRESHBOOKS_API_BASE_URL": sandbox.url,
        "FRESHBOOKS_AUTH_BASE_URL": sandbox.url,
        "FRESHBOOKS_CLIENT_ID": sandbox.client_id,
        "FRESHBOOKS_CLIENT_SECRET": sandbox.client_secret,
        "FRESHBOOKS_REDIRECT_URI": sandbox.redirect_uri,
        "FRESHBOOKS_RATE_PER_SECOND": float(rate),
        "FRESHBOOKS_RATE_BURST": rate,
    }


def point_app_at(settings, sandbox, *, rate: int = RATE) -> None:
    """Set those on ``settings`` (pytest-django's fixture, or ``django.conf.settings``)."""
    for name, value in sandbox_settings(sandbox, rate=rate).items():
        setattr(settings, name, value)
    _rate_gate_for.cache_clear()


def sandbox_env(sandbox, *, rate: int = RATE) -> dict[str, str]:
    """The same settings as environment variables, for worker subprocesses."""
    return {
        **{name: str(value) for name, value in sandbox_settings(sandbox).items()},
        "FRESHBOOKS_RATE_PER_SECOND": str(rate),
        "FRESHBOOKS_RATE_BURST": str(rate),
    }


@pytest.fixture
def use_sandbox(settings, sandbox):
    """Point the app's FreshBooks settings at the test sandbox, with a generous rate budget."""
    point_app_at(settings, sandbox)
    return sandbox


@dataclass
class SandboxBusiness:
    business: ConnectedBusiness
    identity: FreshBooksIdentity
    seed: dict[str, Any]

    @property
    def business_id(self) -> int:
        return self.business.business_id


def connect_sandbox_business(
    sandbox, *, user=None, business_index: int = 0, seeded: dict | None = None, **seed_sizes
):
    """Seed the sandbox (unless `seeded`, a seed summary, says it is), obtain real tokens for the
    owner of one business and connect that business.

    The identity is reused if this database knows it already (a script seeding a reset sandbox
    again), as connecting through OAuth would.
    """
    seeded = seeded or sandbox.control.seed(**seed_sizes)
    owner = seeded["businesses"][business_index]
    tokens = sandbox.control.obtain_tokens(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        redirect_uri=sandbox.redirect_uri,
        identity_id=owner["owner_identity_id"],
    )
    identity, _ = FreshBooksIdentity.objects.get_or_create(identity_id=owner["owner_identity_id"])
    identity_tokens_store(identity=identity, token_set=TokenSet.from_token_response(tokens))
    connection = ConnectionFactory(user=user or UserFactory(), identity=identity)
    business = ConnectedBusinessFactory(
        connection=connection,
        business_id=owner["business_id"],
        account_id=owner["account_id"],
        business_uuid=owner["business_uuid"],
        name=owner["name"],
        role="owner",
        timezone=owner["timezone"],
        currency_code=owner.get("currency_code", ""),
    )
    return SandboxBusiness(business=business, identity=identity, seed=seeded)
