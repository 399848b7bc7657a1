"""Taxes and billable expenses, so the first preview shows both.

Canadian businesses charge HST (13%) and have GST (5%) on file; US businesses have no tax. Every
client gets two billable expenses in its own currency, the first last month on one of its projects
(Canadian businesses: with HST), the second this month with a 10% markup, so the default preview of
either month shows expenses; the first client of each business also has, last month, one internal
(not billable) expense and one billable expense in another currency than its own, which the app
lists under "not billed". Drawn from their own generator so
adding them leaves the rest of the seed as it was.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.seed.run import SeedRun
from sandbox.store import clients, expense_categories, expenses, identities, taxes
from sandbox.store.common import EVERYTHING

VENDORS = ("Staples", "Air Canada", "Uber", "Adobe", "Serano Bakery", "Courier Express")


def _expense_day(today: date, rng: random.Random, *, this_month: bool) -> str:
    """A day of last month, or (``this_month``) of this month up to today, so the default
    previews of both months show expenses whatever day of the month it is."""
    first = today.replace(day=1)
    if this_month:
        return (today - timedelta(days=rng.randrange(0, today.day))).isoformat()
    return (first - timedelta(days=rng.randrange(1, 20))).isoformat()


def add_taxes_and_expenses(run: SeedRun, full: list[dict], work: dict[int, dict]) -> None:
    rng = random.Random(run.sizes.seed + 15)
    for business in full:
        transaction, account_id = run.transaction, business["account_id"]
        owner = identities.owner_of(transaction, business["business_id"])
        canadian = business["data"]["address"]["country"] == "Canada"
        hst = None
        if canadian:
            hst = taxes.create(
                transaction,
                business,
                {"name": "HST", "amount": "13", "number": "RT 0001"},
                identity_id=owner,
            )
            taxes.create(
                transaction,
                business,
                {"name": "GST", "amount": "5", "number": "RT 0002"},
                identity_id=owner,
            )
            run.counts["taxes"] += 2
        expense_categories.ensure(transaction, account_id)
        categories = expense_categories.search(transaction, account_id, EVERYTHING)[0]
        projects_of: dict[int, list[int]] = {}
        for project_id, client_id, _method in work[business["business_id"]]["projects"]:
            projects_of.setdefault(client_id, []).append(project_id)
        found = clients.search(transaction, account_id, {}, EVERYTHING)[0]
        for position, client in enumerate(found):
            plans = [
                {"projectid": (projects_of.get(client["id"]) or [0])[0], "taxed": True},
                {"markup_percent": "10"},
            ]
            if position == 0:
                other = "USD" if client["currency_code"] != "USD" else "CAD"
                plans += [{"billable": False}, {"code": other}]
            for plan in plans:
                payload: dict[str, Any] = {
                    "amount": {
                        "amount": str(Decimal(rng.randrange(1500, 45000)) / 100),
                        "code": plan.get("code", client["currency_code"]),
                    },
                    "categoryid": rng.choice(categories)["id"],
                    "staffid": 1,
                    "clientid": client["id"],
                    "projectid": plan.get("projectid", 0),
                    "billable": plan.get("billable", True),
                    "vendor": rng.choice(VENDORS),
                    "notes": "Billable expense" if plan.get("billable", True) else "Office",
                    "markup_percent": plan.get("markup_percent", "0"),
                    "date": _expense_day(run.now.date(), rng, this_month=plan is plans[1]),
                }
                if hst is not None and plan.get("taxed"):
                    payload.update({"taxName1": hst["name"], "taxPercent1": hst["amount"]})
                expenses.create(transaction, business, payload, identity_id=owner)
                run.counts["expenses"] += 1
