"""Factories for connections' models: a FreshBooks identity, a user's connection, its businesses."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from tests.factories.accounts import UserFactory


def membership(business_id, *, account_id="ACC1", role="owner", name=None, tz="America/New_York"):
    return {
        "membership_id": business_id + 1000,
        "role": role,
        "business": {
            "id": business_id,
            "name": name or f"Business {business_id}",
            "account_id": account_id,
            "business_uuid": f"uuid-{business_id}",
            "timezone": tz,
            "active": True,
        },
    }


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FreshBooksIdentity

    identity_id = factory.Sequence(lambda n: 50000 + n)
    email = factory.Sequence(lambda n: f"freshbooks{n}@example.com")
    first_name = "Fran"
    last_name = "Books"
    access_token = factory.Sequence(lambda n: f"access-token-{n}-abcdef")
    refresh_token = factory.Sequence(lambda n: f"refresh-token-{n}-abcdef")
    access_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=12))
    scope = "user:profile:read"
    memberships = factory.LazyFunction(
        lambda: [
            membership(101, account_id="ACC101"),
            membership(202, account_id=None, role="client"),
        ]
    )


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    user = factory.SubFactory(UserFactory)
    identity = factory.SubFactory(IdentityFactory)


class ConnectedBusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectedBusiness

    connection = factory.SubFactory(ConnectionFactory)
    business_id = factory.Sequence(lambda n: 9000 + n)
    account_id = factory.Sequence(lambda n: f"ACCT{n}")
    business_uuid = factory.Sequence(lambda n: f"uuid-{n}")
    name = factory.Sequence(lambda n: f"Business {n}")
    role = "owner"
    timezone = "America/New_York"
