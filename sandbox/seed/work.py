"""What the seeded businesses bill: services, rates and projects, then the time logged on them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox import clock
from sandbox.seed.run import SeedRun
from sandbox.seed.tables import NOTES, PROJECT_KINDS, SERVICE_NAMES
from sandbox.store import clients, identities, projects, services, time_entries
from sandbox.store.common import EVERYTHING


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
            if len(billable_ids) > 1:
                rate = {"rate": f"{90 + 10 * run.rng.randrange(0, 10)}.00"}
                services.set_service_rate(
                    transaction, business, service["id"], rate, identity_id=owner
                )
        run.counts["services"] += 1
    client_ids = [
        client["id"]
        for client in clients.search(transaction, business["account_id"], {}, EVERYTHING)[0]
    ]
    project_rows = []
    method_index = 0
    for client_id in client_ids:
        for _ in range(run.sizes.projects_per_client):
            method = projects.BILLING_METHODS[method_index % len(projects.BILLING_METHODS)]
            method_index += 1
            project = projects.create(
                transaction,
                business,
                {
                    "title": f"{run.rng.choice(PROJECT_KINDS)} #{method_index}",
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
                        {"rate": f"{150 + 5 * run.rng.randrange(0, 10)}.00"},
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
    run.counts["projects"] += len(project_rows) + 1
    staff = [member["identity_id"] for member in identities.staff_members(transaction, business_id)]
    return {
        "staff": staff,
        "service_ids": service_ids,
        "billable_ids": billable_ids,
        "projects": project_rows,
        "clients": client_ids,
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
