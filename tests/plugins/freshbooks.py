"""Fixtures that connect the app to the running sandbox: settings, identities, businesses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from connections.freshbooks import TokenSet
from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from connections.services.freshbooks_api import _rate_gate_for
from connections.services.tokens import identity_tokens_store
from tests.factories import UserFactory


@pytest.fixture
def use_sandbox(settings, sandbox):
    """Point the app's FreshBooks settings at the test sandbox, with a generous rate budget."""
    settings.FRESHBOOKS_API_BASE_URL = sandbox.url
    settings.FRESHBOOKS_AUTH_BASE_URL = sandbox.url
    settings.FRESHBOOKS_CLIENT_ID = sandbox.client_id
    settings.FRESHBOOKS_CLIENT_SECRET = sandbox.client_secret
    settings.FRESHBOOKS_REDIRECT_URI = sandbox.redirect_uri
    settings.FRESHBOOKS_RATE_PER_SECOND = 1000.0
    settings.FRESHBOOKS_RATE_BURST = 1000
    _rate_gate_for.cache_clear()
    return sandbox


def sandbox_env(sandbox) -> dict[str, str]:
    """The same settings as environment variables, for worker subprocesses."""
    return {
        "FRESHBOOKS_API_BASE_URL": sandbox.url,
        "FRESHBOOKS_AUTH_BASE_URL": sandbox.url,
        "FRESHBOOKS_CLIENT_ID": sandbox.client_id,
        "FRESHBOOKS_CLIENT_SECRET": sandbox.client_secret,
        "FRESHBOOKS_REDIRECT_URI": sandbox.redirect_uri,
        "FRESHBOOKS_RATE_PER_SECOND": "1000",
        "FRESHBOOKS_RATE_BURST": "1000",
    }


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
    owner of one business and connect that business."""
    seeded = seeded or sandbox.control.seed(**seed_sizes)
    owner = seeded["businesses"][business_index]
    tokens = sandbox.control.obtain_tokens(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        redirect_uri=sandbox.redirect_uri,
        identity_id=owner["owner_identity_id"],
    )
    identity = FreshBooksIdentity.objects.create(identity_id=owner["owner_identity_id"])
    identity_tokens_store(identity=identity, token_set=TokenSet.from_token_response(tokens))
    connection = Connection.objects.create(user=user or UserFactory(), identity=identity)
    business = ConnectedBusiness.objects.create(
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
