"""Fixtures for the sandbox's own tests (the ``sandbox`` fixture comes from
``tests.plugins.sandbox``: run with ``-p tests.plugins.sandbox``)."""

from __future__ import annotations

import pytest

from tests.plugins.sandbox import SandboxServer
from tests.sandbox.helpers import World, connect

SMALL_WORLD = {
    "users": 2,
    "businesses": 3,
    "clients": 6,
    "projects_per_client": 2,
    "services": 4,
    "team_members": 2,
    "time_entries": 120,
    "months": 2,
    "billed_fraction": 0.25,
    "seed": 7,
}


@pytest.fixture
def world(sandbox: SandboxServer) -> World:
    summary = sandbox.control.seed(**SMALL_WORLD)
    alice, bob = summary["users"]
    return World(
        sandbox=sandbox,
        summary=summary,
        alice=connect(sandbox, email=alice["email"]),
        bob=connect(sandbox, email=bob["email"]),
    )
