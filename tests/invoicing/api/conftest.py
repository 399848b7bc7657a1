"""A user with an API token and a mirrored business: two clients, a project, a service, a member."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client as HttpClient

from accounts.tokens import api_token_create
from tests.factories import (
    ClientFactory,
    ConnectedBusinessFactory,
    ProjectFactory,
    ServiceFactory,
    TeamMemberFactory,
)


@dataclass
class ApiWorld:
    user: object
    token: str
    business: object
    http: HttpClient

    def headers(self, token: str | None = None) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {token or self.token}"}

    def get(self, path: str, **params):
        return self.http.get(f"/api/v1{path}", params, **self.headers())

    def post(self, path: str, body: dict):
        return self.http.post(
            f"/api/v1{path}", body, content_type="application/json", **self.headers()
        )

    def delete(self, path: str):
        return self.http.delete(f"/api/v1{path}", **self.headers())


@pytest.fixture
def world(db) -> ApiWorld:
    business = ConnectedBusinessFactory(name="Studio", timezone="Europe/Paris")
    ClientFactory(
        business=business,
        freshbooks_id=10,
        display_name="Acme Corp",
        email="billing@acme.test",
        raw={"organization": "Acme Corporation"},
    )
    ClientFactory(business=business, freshbooks_id=11, display_name="Beta Ltd")
    ProjectFactory(business=business, freshbooks_id=70, title="Website", client_freshbooks_id=10)
    ServiceFactory(business=business, freshbooks_id=5, name="Design")
    TeamMemberFactory(business=business, identity_id=900, name="Ana Lima", email="ana@studio.test")
    user = business.connection.user
    _, token = api_token_create(user=user, name="Zapier")
    return ApiWorld(user=user, token=token, business=business, http=HttpClient())


def entry(**overrides) -> dict:
    values = {
        "external_id": "ext-1",
        "client": "Acme Corp",
        "start": "2026-05-04T09:00:00+02:00",
        "duration": 5400,
        "note": "Design review",
    }
    return {**values, **overrides}
