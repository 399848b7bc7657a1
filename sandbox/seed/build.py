"""Seeding entry points: run the builders in one transaction and summarise what was created."""

from __future__ import annotations

from typing import Any

from sandbox.db import Database
from sandbox.seed.expenses import add_taxes_and_expenses
from sandbox.seed.people import add_clients, client_only_business, full_business, new_identity
from sandbox.seed.run import SeedRun
from sandbox.seed.sizes import SeedSizes
from sandbox.seed.work import add_catalogue, log_time
from sandbox.store import identities


def seed(database: Database, sizes: SeedSizes) -> dict[str, Any]:
    with database.transaction() as transaction:
        summary = _build(SeedRun(transaction, sizes))
        transaction.events.clear()
    return summary


def seed_default_if_empty(database: Database) -> dict[str, Any] | None:
    if not database.is_empty():
        return None
    return seed(database, SeedSizes())


def _build(run: SeedRun) -> dict[str, Any]:
    sizes = run.sizes
    users = [new_identity(run, index, None) for index in range(sizes.users)]
    client_only = 1 if sizes.businesses >= 2 else 0
    full_count = sizes.businesses - client_only
    businesses, team_members = [], []
    for index in range(full_count):
        business, members = full_business(run, index, users)
        businesses.append(business)
        team_members.extend(members)
    if client_only:
        businesses.append(client_only_business(run, users[0], businesses[-1]))
    full = [business for business in businesses if business["account_id"] is not None]
    add_clients(run, full)
    work = {business["business_id"]: add_catalogue(run, business) for business in full}
    log_time(run, full, work)
    add_taxes_and_expenses(run, full, work)
    return {
        "users": [_person(user) for user in users],
        "team_members": [_person(member) for member in team_members],
        "businesses": [
            {
                "business_id": business["business_id"],
                "account_id": business["account_id"],
                "business_uuid": business["business_uuid"],
                "name": business["name"],
                "timezone": business["timezone"],
                "currency_code": business["currency_code"],
                "client_only": business["account_id"] is None,
                "owner_identity_id": identities.owner_of(run.transaction, business["business_id"]),
            }
            for business in businesses
        ],
        "counts": run.counts,
    }


def _person(identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "identity_id": identity["identity_id"],
        "email": identity["email"],
        "first_name": identity["first_name"],
        "last_name": identity["last_name"],
    }
