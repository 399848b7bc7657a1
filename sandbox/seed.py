"""Seeded data sets: the ``make run`` demo and any size a test or benchmark asks for.

With ``businesses >= 2`` the last business is client-only: the first user is a client of the last
full business and has a ``client`` membership on a business without an account.

Every full business gets:
- an owner (users take turns) and the other users as staff (employee, manager, accountant, admin);
- ``team_members`` extra staff (employees and contractors) and a billable rate for all staff;
- ``services`` services (the last is non-billable when there are four or more; every billable one
  but the first has a business rate);
- its share of ``clients``, in the given currencies;
- ``projects_per_client`` projects per client cycling through the four billing methods, project
  service rates on some ``service_rate`` projects, one fixed-price project (``"5000.00"``) and one
  internal project;
- its share of ``time_entries`` over ``months`` months: mostly project work, some client work
  without a project, some internal, some without a service, some not billable,
  ``billed_fraction`` of the billable ones billed; plus two running timers.

The same ``seed`` gives the same data. Seeding raises no webhook events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sandbox import clock
from sandbox.db import Database, Transaction
from sandbox.store import clients, identities, projects, services, time_entries
from sandbox.store.common import EVERYTHING
from sandbox.validation import MISSING, Fields

FIRST_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
)
LAST_NAMES = ("Martin", "Tremblay", "Nguyen", "Okafor", "Schmidt", "Haddad", "Kowalski", "Silva")
BUSINESS_NAMES = (
    "Northwind Design Co.",
    "Maple Leaf Consulting",
    "Harbor Analytics",
    "Blue Fern Studio",
    "Granite Peak Engineering",
)
TIMEZONES = ("America/New_York", "America/Toronto", "America/Vancouver", "Europe/London")
ORGANIZATIONS = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Foundation",
    "Hooli",
    "Vandelay Imports",
    "Soylent Foods",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Confections",
)
SERVICE_NAMES = (
    "Design",
    "Development",
    "Consulting",
    "Project Management",
    "Research",
    "Copywriting",
    "Quality Assurance",
    "Training",
    "Internal Admin",
)
NOTES = (
    "Kick-off meeting",
    "Wireframes",
    "Code review",
    "Client call",
    "Bug fixes",
    "Report writing",
    "Deployment",
    "Research spike",
    "",
)
PROJECT_KINDS = ("Website", "Audit", "Rebrand", "Platform", "Mobile app")
NON_OWNER_ROLES = (
    "business_employee",
    "business_manager",
    "business_accountant",
    "business_partner",
)
BILLING_METHODS = projects.BILLING_METHODS


@dataclass
class SeedSizes:
    users: int = 2
    businesses: int = 3
    clients: int = 20
    currencies: list[str] = field(default_factory=lambda: ["USD", "CAD"])
    projects_per_client: int = 2
    services: int = 5
    team_members: int = 3
    time_entries: int = 3000
    months: int = 3
    billed_fraction: float = 0.2
    seed: int = 42

    @classmethod
    def parse(cls, payload: Any) -> SeedSizes:
        fields = Fields(payload if payload is not None else {}, "seed")
        sizes = cls()
        limits = {
            "users": (1, 50),
            "businesses": (1, 50),
            "clients": (0, 5000),
            "projects_per_client": (0, 50),
            "services": (0, 100),
            "team_members": (0, 200),
            "time_entries": (0, 1_000_000),
            "months": (1, 120),
            "seed": (0, 2**31),
        }
        for name, (low, high) in limits.items():
            value = fields.integer(name, nullable=False, minimum=low)
            if value is not MISSING:
                if value > high:
                    fields.fail(name, "invalid", f"{name} must be at most {high}")
                else:
                    setattr(sizes, name, value)
        fraction = fields.decimal("billed_fraction", nullable=False)
        if fraction is not MISSING:
            if fraction > 1:
                fields.fail("billed_fraction", "invalid", "billed_fraction must be 0 to 1")
            else:
                sizes.billed_fraction = float(fraction)
        if fields.has("currencies"):
            currencies = fields.payload["currencies"]
            if (
                not isinstance(currencies, list)
                or not currencies
                or not all(isinstance(code, str) and len(code) == 3 for code in currencies)
            ):
                fields.fail("currencies", "invalid", "currencies must be a list of ISO codes")
            else:
                sizes.currencies = [code.upper() for code in currencies]
        fields.check()
        return sizes


def seed(database: Database, sizes: SeedSizes) -> dict[str, Any]:
    with database.transaction() as transaction:
        summary = _Seeder(transaction, sizes).run()
        transaction.events.clear()
    return summary


def seed_default_if_empty(database: Database) -> dict[str, Any] | None:
    if not database.is_empty():
        return None
    return seed(database, SeedSizes())


class _Seeder:
    def __init__(self, transaction: Transaction, sizes: SeedSizes):
        self.transaction = transaction
        self.sizes = sizes
        self.rng = random.Random(sizes.seed)
        self.now = clock.utc_now().replace(second=0, microsecond=0)
        self.counts = {"clients": 0, "projects": 0, "services": 0, "time_entries": 0}

    def run(self) -> dict[str, Any]:
        sizes = self.sizes
        users = [self._identity(index, None) for index in range(sizes.users)]
        client_only = 1 if sizes.businesses >= 2 else 0
        full_count = sizes.businesses - client_only
        businesses, team_members = [], []
        for index in range(full_count):
            business, members = self._full_business(index, users)
            businesses.append(business)
            team_members.extend(members)
        if client_only:
            businesses.append(self._client_only_business(users[0], businesses[-1]))
        full = [business for business in businesses if business["account_id"] is not None]
        self._clients(full)
        work = {business["business_id"]: self._catalogue(business) for business in full}
        self._time_entries(full, work)
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
                    "owner_identity_id": identities.owner_of(
                        self.transaction, business["business_id"]
                    ),
                }
                for business in businesses
            ],
            "counts": self.counts,
        }

    def _identity(self, index: int, domain: str | None) -> dict[str, Any]:
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 3 + (7 if domain else 0)) % len(LAST_NAMES)]
        base = (
            f"{first.lower()}.{last.lower()}@{domain}" if domain else f"{first.lower()}@example.com"
        )
        email, suffix = base, 2
        while identities.identity_by_email(self.transaction, email):
            local, _, host = base.partition("@")
            email, suffix = f"{local}+{suffix}@{host}", suffix + 1
        return identities.create_identity(
            self.transaction, email=email, first_name=first, last_name=last
        )

    def _full_business(self, index: int, users: list[dict]) -> tuple[dict, list[dict]]:
        sizes = self.sizes
        canada = index % 2 == 1
        business = identities.create_business(
            self.transaction,
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
            self.transaction,
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
                self.transaction,
                identity_id=user["identity_id"],
                business_id=business_id,
                role=role,
            )
        members = []
        domain = f"team{business_id}.example.com"
        for position in range(sizes.team_members):
            member = self._identity(index * 7 + position + 2, domain)
            role = "contractor" if position % 3 == 2 else "business_employee"
            identities.add_membership(
                self.transaction,
                identity_id=member["identity_id"],
                business_id=business_id,
                role=role,
            )
            members.append(member)
        for member in identities.staff_members(self.transaction, business_id):
            rate = 60 + 5 * self.rng.randrange(0, 25)
            services.set_team_member_rate(
                self.transaction, business_id, member["identity_id"], {"rate": f"{rate}.00"}
            )
        return business, members

    def _client_only_business(self, user: dict, vendor: dict) -> dict[str, Any]:
        business = identities.create_business(
            self.transaction,
            name=f"{user['first_name']} {user['last_name']}",
            timezone="America/Toronto",
            currency_code=vendor["currency_code"],
            with_account=False,
        )
        client = clients.create(
            self.transaction,
            vendor,
            {
                "fname": user["first_name"],
                "lname": user["last_name"],
                "email": user["email"],
                "organization": f"{user['first_name']} {user['last_name']}",
            },
            identity_id=identities.owner_of(self.transaction, vendor["business_id"]),
        )
        self.counts["clients"] += 1
        identities.update_business_clients(
            self.transaction,
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
            self.transaction,
            identity_id=user["identity_id"],
            business_id=business["business_id"],
            role="client",
        )
        return identities.business(self.transaction, business["business_id"])

    def _clients(self, full: list[dict]) -> None:
        if not full:
            return
        for index in range(self.sizes.clients):
            business = full[index % len(full)]
            first = FIRST_NAMES[(index + 3) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index + 5) % len(LAST_NAMES)]
            organization = ORGANIZATIONS[index % len(ORGANIZATIONS)]
            if index >= len(ORGANIZATIONS):
                organization += f" {index // len(ORGANIZATIONS) + 1}"
            currency = self.sizes.currencies[index % len(self.sizes.currencies)]
            clients.create(
                self.transaction,
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
                identity_id=identities.owner_of(self.transaction, business["business_id"]),
            )
            self.counts["clients"] += 1

    def _catalogue(self, business: dict) -> dict[str, Any]:
        """Services, rates and projects of one business; returns what time can be logged on."""
        transaction, business_id = self.transaction, business["business_id"]
        owner = identities.owner_of(transaction, business_id)
        service_ids, billable_ids = [], []
        for index in range(self.sizes.services):
            billable = not (self.sizes.services >= 4 and index == self.sizes.services - 1)
            name = SERVICE_NAMES[index % len(SERVICE_NAMES)] if billable else "Internal Admin"
            service = services.create(
                transaction, business, {"name": name, "billable": billable}, identity_id=owner
            )
            service_ids.append(service["id"])
            if billable:
                billable_ids.append(service["id"])
                if len(billable_ids) > 1:
                    rate = {"rate": f"{90 + 10 * self.rng.randrange(0, 10)}.00"}
                    services.set_service_rate(
                        transaction, business, service["id"], rate, identity_id=owner
                    )
            self.counts["services"] += 1
        client_ids = [
            client["id"]
            for client in clients.search(transaction, business["account_id"], {}, EVERYTHING)[0]
        ]
        project_rows = []
        method_index = 0
        for client_id in client_ids:
            for _ in range(self.sizes.projects_per_client):
                method = BILLING_METHODS[method_index % len(BILLING_METHODS)]
                method_index += 1
                project = projects.create(
                    transaction,
                    business,
                    {
                        "title": f"{self.rng.choice(PROJECT_KINDS)} #{method_index}",
                        "client_id": client_id,
                        "billing_method": method,
                        "project_type": "hourly_rate",
                        "rate": "125.00" if method == "project_rate" else None,
                        "services": [{"id": service_id} for service_id in billable_ids],
                    },
                    identity_id=owner,
                )
                if method == "service_rate" and method_index % 8 == 3 and billable_ids:
                    for service_id in billable_ids[:2]:
                        services.set_project_service_rate(
                            transaction,
                            business,
                            project["id"],
                            service_id,
                            {"rate": f"{150 + 5 * self.rng.randrange(0, 10)}.00"},
                            identity_id=owner,
                        )
                project_rows.append((project["id"], client_id))
        if client_ids:
            fixed = projects.create(
                transaction,
                business,
                {
                    "title": "Fixed-price retainer",
                    "client_id": client_ids[0],
                    "project_type": "fixed_price",
                    "fixed_price": "5000.00",
                    "billing_method": "project_rate",
                    "services": [{"id": service_id} for service_id in billable_ids],
                },
                identity_id=owner,
            )
            project_rows.append((fixed["id"], client_ids[0]))
        internal = projects.create(
            transaction,
            business,
            {"title": "Internal operations", "internal": True},
            identity_id=owner,
        )
        self.counts["projects"] += len(project_rows) + 1
        staff = [
            member["identity_id"] for member in identities.staff_members(transaction, business_id)
        ]
        return {
            "staff": staff,
            "service_ids": service_ids,
            "billable_ids": billable_ids,
            "projects": project_rows,
            "clients": client_ids,
            "internal_project": internal["id"],
        }

    def _time_entries(self, full: list[dict], work: dict[int, dict]) -> None:
        if not full:
            return
        rng, sizes = self.rng, self.sizes
        span = int(timedelta(days=30 * sizes.months).total_seconds())
        stamp = clock.stamp(self.now)
        rows = []
        for index in range(sizes.time_entries):
            business = full[index % len(full)]
            catalogue = work[business["business_id"]]
            started = self.now - timedelta(seconds=rng.randrange(3600, span) // 60 * 60)
            duration = 900 * rng.randint(1, 16)
            roll = rng.random()
            client_id = project_id = None
            if roll < 0.05 or not catalogue["clients"]:
                project_id = catalogue["internal_project"] if rng.random() < 0.5 else None
                billable = False
            else:
                if roll < 0.15 or not catalogue["projects"]:
                    client_id = rng.choice(catalogue["clients"])
                else:
                    project_id, client_id = rng.choice(catalogue["projects"])
                billable = rng.random() < 0.92
            service_id = None
            if catalogue["service_ids"] and rng.random() < 0.85:
                pool = catalogue["billable_ids"] if billable else catalogue["service_ids"]
                service_id = rng.choice(pool or catalogue["service_ids"])
            billed = billable and rng.random() < sizes.billed_fraction
            rows.append(
                (
                    business["business_id"],
                    rng.choice(catalogue["staff"]),
                    client_id,
                    project_id,
                    service_id,
                    rng.choice(NOTES),
                    time_entries.started_text(started),
                    clock.iso_z(min(started + timedelta(seconds=duration), self.now)),
                    stamp,
                    duration,
                    1,
                    None,
                    1,
                    int(billable),
                    int(billed),
                )
            )
        time_entries.insert_many(self.transaction, rows)
        self.counts["time_entries"] += len(rows)
        for business in full:
            catalogue = work[business["business_id"]]
            for minutes_ago in (25, 70):
                time_entries.create(
                    self.transaction,
                    business,
                    {
                        "is_logged": False,
                        "started_at": clock.iso_z(self.now - timedelta(minutes=minutes_ago)),
                        "duration": 0,
                        "note": "Timer running",
                        "client_id": catalogue["clients"][0] if catalogue["clients"] else None,
                        "billable": bool(catalogue["clients"]),
                        "identity_id": catalogue["staff"][-1],
                    },
                    identity_id=catalogue["staff"][-1],
                )
                self.counts["time_entries"] += 1


def _person(identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "identity_id": identity["identity_id"],
        "email": identity["email"],
        "first_name": identity["first_name"],
        "last_name": identity["last_name"],
    }
