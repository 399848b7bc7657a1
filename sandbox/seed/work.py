"""What the seeded businesses bill: services, rates and projects, then the time logged on them.

The demo bills on the first try: every regular project bills at a rate FreshBooks holds (project,
service or team member rates, in turn), every billable service has a rate and time on a project
billed by service always names a service. Held back on purpose, so each reason shows (billing.md):

- the last client of a business with three or more clients has no rate: its first project bills
  at a project rate but has none, and it has some time without a project (only rate rules price
  that); its whole draft waits for a rate (the preview links to "Set a rate for ...");
- the client before it has a project billed at the business standard rate, which FreshBooks'
  API does not give: priced once someone enters it in the app (asked right after connecting);
- time on the fixed-price retainer of the first client, two running timers, and time without a
  client (FreshBooks marks it internal), some of it on the internal project.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox import clock
from sandbox.seed.run import SeedRun
from sandbox.seed.tables import NOTES, PROJECT_KINDS, SERVICE_NAMES
from sandbox.store import clients, identities, projects, services, time_entries
from sandbox.store.common import EVERYTHING

# Regular projects take turns; the business standard rate is left to the deliberate case, since
# FreshBooks' API does not give it to the app.
PRICED_METHODS = ("project_rate", "service_rate", "team_member_rate")


def add_catalogue(run: SeedRun, business: dict) -> dict[str, Any]:
    """Services, rates and projects of one business; returns what time can be logged on."""
    transaction, business_id = run.transaction, business["business_id"]
    owner = identities.owner_of(transaction, business_id)
    service_ids, billable_ids = [], []
    for index in range(run.sizes.services):
        billable = not (run.sizes.services >= 4 and index == run.sizes.services - 1)
        name = SERVICE_NAMES[index % len(SERVICE_NAMES)] if billable else "Internal Admin"
        service = services.create(
            transaction, business, {"name": name, "billable": billable}, identity_id=owner
        )
        service_ids.append(service["id"])
        if billable:
            billable_ids.append(service["id"])
            # Every billable service has a rate; the second keeps FreshBooks' three decimals.
            cents = ".125" if len(billable_ids) == 2 else ".00"
            rate = {"rate": f"{90 + 10 * run.rng.randrange(0, 10)}{cents}"}
            services.set_service_rate(transaction, business, service["id"], rate, identity_id=owner)
        run.counts["services"] += 1
    client_ids = [
        client["id"]
        for client in clients.search(transaction, business["account_id"], {}, EVERYTHING)[0]
    ]
    unpriced_client = client_ids[-1] if len(client_ids) >= 3 else None
    standard_rate_client = client_ids[-2] if len(client_ids) >= 3 else None
    project_rows = []
    method_index = 0
    for client_id in client_ids:
        for position in range(run.sizes.projects_per_client):
            method = PRICED_METHODS[method_index % len(PRICED_METHODS)]
            rate = "125.00" if method == "project_rate" else None
            if position == 0 and client_id == unpriced_client:
                method, rate = "project_rate", None  # held back: a project rate nobody set
            elif position == 0 and client_id == standard_rate_client:
                method = "business_rate"
            method_index += 1
            project = projects.create(
                transaction,
                business,
                {
                    "title": f"{run.rng.choice(PROJECT_KINDS)} #{method_index}",
                    "client_id": client_id,
                    "billing_method": method,
                    "project_type": "hourly_rate",
                    "rate": rate,
                    "services": [{"id": service_id} for service_id in billable_ids],
                },
                identity_id=owner,
            )
            if method == "service_rate" and method_index % 4 == 2 and billable_ids:
                for service_id in billable_ids[:2]:
                    services.set_project_service_rate(
                        transaction,
                        business,
                        project["id"],
                        service_id,
                        {"rate": f"{150 + 5 * run.rng.randrange(0, 10)}.00"},
                        identity_id=owner,
                    )
            project_rows.append((project["id"], client_id, method))
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
        project_rows.append((fixed["id"], client_ids[0], "fixed_price"))
    internal = projects.create(
        transaction,
        business,
        {"title": "Internal operations", "internal": True},
        identity_id=owner,
    )
    run.counts["projects"] += len(project_rows) + 1
    staff = [member["identity_id"] for member in identities.staff_members(transaction, business_id)]
    return {
        "staff": staff,
        "service_ids": service_ids,
        "billable_ids": billable_ids,
        "projects": project_rows,
        "clients": client_ids,
        "unpriced_client": unpriced_client,
        "internal_project": internal["id"],
    }


def log_time(run: SeedRun, full: list[dict], work: dict[int, dict]) -> None:
    if not full:
        return
    rng, sizes = run.rng, run.sizes
    span = int(timedelta(days=30 * sizes.months).total_seconds())
    stamp = clock.stamp(run.now)
    rows = []
    for index in range(sizes.time_entries):
        business = full[index % len(full)]
        catalogue = work[business["business_id"]]
        started = run.now - timedelta(seconds=rng.randrange(3600, span) // 60 * 60)
        duration = 900 * rng.randint(1, 16)
        roll = rng.random()
        client_id = project_id = None
        method = None
        if roll < 0.05 or not catalogue["clients"]:
            # Time without a client (FreshBooks calls it internal), half on the internal project.
            project_id = catalogue["internal_project"] if rng.random() < 0.5 else None
            billable = rng.random() < 0.5
        else:
            unpriced = catalogue["unpriced_client"]
            if (roll < 0.06 and unpriced) or not catalogue["projects"]:
                # Client time without a project: only rate rules price it, so only the client
                # held back on purpose has some.
                client_id = unpriced or rng.choice(catalogue["clients"])
            else:
                project_id, client_id, method = rng.choice(catalogue["projects"])
            billable = rng.random() < 0.92
        service_id = None
        if catalogue["service_ids"] and (method == "service_rate" or rng.random() < 0.85):
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
                clock.iso_z(min(started + timedelta(seconds=duration), run.now)),
                stamp,
                duration,
                1,
                None,
                1,
                int(billable),
                int(billed),
            )
        )
    time_entries.insert_many(run.transaction, rows)
    run.counts["time_entries"] += len(rows)
    for business in full:
        catalogue = work[business["business_id"]]
        for minutes_ago in (25, 70):
            time_entries.create(
                run.transaction,
                business,
                {
                    "is_logged": False,
                    "started_at": clock.iso_z(run.now - timedelta(minutes=minutes_ago)),
                    "duration": 0,
                    "note": "Timer running",
                    "client_id": catalogue["clients"][0] if catalogue["clients"] else None,
                    "billable": bool(catalogue["clients"]),
                    "identity_id": catalogue["staff"][-1],
                },
                identity_id=catalogue["staff"][-1],
            )
            run.counts["time_entries"] += 1
