"""Bearer authentication with a personal API token (`Authorization: Bearer fbb_…`)."""

from __future__ import annotations

from ninja.security import HttpBearer

from accounts.tokens import api_token_user


class PersonalToken(HttpBearer):
    """Missing, wrong and revoked tokens all get the same 401; the token is never logged."""

    def authenticate(self, request, token: str):
        return api_token_user(token)
