"""Who the seeded data belongs to: users, businesses with their staff and rates, and clients."""

from __future__ import annotations

from typing import Any

from sandbox.seed.run import SeedRun
from sandbox.seed.tables import (
    BUSINESS_NAMES,
    FIRST_NAMES,
    LAST_NAMES,
    NON_OWNER_ROLES,
    ORGANIZATIONS,
    TIMEZONES,
)
from sandbox.store import clients, identities, services


def new_identity(run: SeedRun, index: int, domain: str | None) -> dict[str, Any]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 3 + (7 if domain else 0)) % len(LAST_NAMES)]
    base = f"{first.lower()}.{last.lower()}@{domain}" if domain else f"{first.lower()}@example.com"
    email, suffix = base, 2
    while identities.identity_by_email(run.transaction, email):
        local, _, host = base.partition("@")
        email, suffix = f"{local}+{suffix}@{host}", suffix + 1
    return identities.create_identity(
        run.transaction, email=email, first_name=first, last_name=last
    )


def full_business(run: SeedRun, index: int, users: list[dict]) -> tuple[dict, list[dict]]:
    sizes = run.sizes
    canada = index % 2 == 1
    business = identities.create_business(
        run.transaction,
        name=BUSINESS_NAMES[index % len(BUSINESS_NAMES)]
        + (f" {index // len(BUSINESS_NAMES) + 1}" if index >= len(BUSINESS_NAMES) else ""),
        timezone=TIMEZONES[index % len(TIMEZONES)],
        currency_code=sizes.currencies[index % len(sizes.currencies)],
        city="Toronto" if canada else "New York",
        country="Canada" if canada else "United States",
        province="Ontario" if canada else "New York",
    )
    business_id = business["business_id"]
    owner = users[index % len(users)]
    identities.add_membership(
        run.transaction,
        identity_id=owner["identity_id"],
        business_id=business_id,
        role="owner",
    )
    for position, user in enumerate(users):
        if user is owner:
            continue
        # The first non-owner of each business is an employee (sees only their own time).
        role = NON_OWNER_ROLES[(index + position - 1) % len(NON_OWNER_ROLES)]
        identities.add_membership(
            run.transaction,
            identity_id=user["identity_id"],
            business_id=business_id,
            role=role,
        )
    members = []
    domain = f"team{business_id}.example.com"
    for position in range(sizes.team_members):
        member = new_identity(run, index * 7 + position + 2, domain)
        role = "contractor" if position % 3 == 2 else "business_employee"
        identities.add_membership(
            run.transaction,
            identity_id=member["identity_id"],
            business_id=business_id,
            role=role,
        )
        members.append(member)
    for member in identities.staff_members(run.transaction, business_id):
        rate = 60 + 5 * run.rng.randrange(0, 25)
        services.set_team_member_rate(
            run.transaction, business_id, member["identity_id"], {"rate": f"{rate}.00"}
        )
    return business, members


def client_only_business(run: SeedRun, user: dict, vendor: dict) -> dict[str, Any]:
    business = identities.create_business(
        run.transaction,
        name=f"{user['first_name']} {user['last_name']}",
        timezone="America/Toronto",
        currency_code=vendor["currency_code"],
        with_account=False,
    )
    client = clients.create(
        run.transaction,
        vendor,
        {
            "fname": user["first_name"],
            "lname": user["last_name"],
            "email": user["email"],
            "organization": f"{user['first_name']} {user['last_name']}",
        },
        identity_id=identities.owner_of(run.transaction, vendor["business_id"]),
    )
    run.counts["clients"] += 1
    identities.update_business_clients(
        run.transaction,
        business["business_id"],
        [
            {
                "id": client["id"] + 5000,
                "business_id": vendor["business_id"],
                "account_id": vendor["account_id"],
                "userid": client["id"],
                "client_business": {"business_id": business["business_id"]},
                "account_business": {
                    "account_business_id": vendor["business_id"] + 7000,
                    "account_id": vendor["account_id"],
                },
            }
        ],
    )
    identities.add_membership(
        run.transaction,
        identity_id=user["identity_id"],
        business_id=business["business_id"],
        role="client",
    )
    return identities.business(run.transaction, business["business_id"])


def add_clients(run: SeedRun, full: list[dict]) -> None:
    if not full:
        return
    for index in range(run.sizes.clients):
        business = full[index % len(full)]
        first = FIRST_NAMES[(index + 3) % len(FIRST_NAMES)]
        last = LAST_NAMES[(index + 5) % len(LAST_NAMES)]
        organization = ORGANIZATIONS[index % len(ORGANIZATIONS)]
        if index >= len(ORGANIZATIONS):
            organization += f" {index // len(ORGANIZATIONS) + 1}"
        currency = run.sizes.currencies[index % len(run.sizes.currencies)]
        clients.create(
            run.transaction,
            business,
            {
                "fname": first,
                "lname": last,
                "organization": organization,
                "email": f"{first.lower()}.{last.lower()}.{index}@client.example.com",
                "currency_code": currency,
                "p_city": "Toronto" if currency == "CAD" else "Boston",
                "p_country": "Canada" if currency == "CAD" else "United States",
            },
            identity_id=identities.owner_of(run.transaction, business["business_id"]),
        )
        run.counts["clients"] += 1
