"""Shared helpers for the FreshBooks client tests: a fake token source, a sleep recorder,
the recorded fixture bodies and a `responses` mock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from connections.freshbooks import FreshBooksClient

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures"
API = "https://api.freshbooks.test"
ACCESS_TOKEN = "access-token-SECRET-1111"
FRESH_TOKEN = "access-token-SECRET-2222"


def load_fixture(name: str) -> Any:
    """A recorded body by its path under shared/fixtures, e.g. `freshbooks/x_response.json`."""
    return json.loads((FIXTURES / name).read_text())


def all_fixture_names() -> list[str]:
    """Every recorded JSON body, both folders (the folders hold files with the same name)."""
    return sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.glob("*/*.json"))


class FakeTokenSource:
    """Hands out one token and, after a 401, a fresh one; records the stale token it was given."""

    def __init__(self, token: str = ACCESS_TOKEN, fresh: str = FRESH_TOKEN) -> None:
        self.token = token
        self.fresh = fresh
        self.refreshed_from: list[str] = []

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, stale_token: str) -> str:
        self.refreshed_from.append(stale_token)
        self.token = self.fresh
        return self.fresh


class SleepRecorder:
    """Stands in for time.sleep so retry tests are instant and can assert on the delays."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def tokens() -> FakeTokenSource:
    return FakeTokenSource()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as requests_mock:
        yield requests_mock


def make_client(tokens: FakeTokenSource, sleeps: SleepRecorder, **overrides: Any):
    options: dict[str, Any] = {
        "api_base_url": API,
        "token_source": tokens,
        "user_agent": "freshbooks-billing-tests/1.0",
        "sleep": sleeps,
    }
    options.update(overrides)
    return FreshBooksClient(**options)


@pytest.fixture
def client(tokens: FakeTokenSource, sleeps: SleepRecorder) -> FreshBooksClient:
    return make_client(tokens, sleeps)
