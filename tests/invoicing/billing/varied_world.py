"""A varied, generated planning world (seeded, so always the same): several clients in three
currencies (one archived, one deleted, one not synced), projects of every billing method (fixed
price, internal, none, not synced), rates at every level with odd precision, rate rules at every
level with effective dates and zero rates, unpriced time, odd durations (0 s, 1 s, 59 s, …),
starts around the period's ends in a half-hour time zone, every entry flag, left-out clients,
projects and entries, tax defaults (compound, unusable) and expenses.

`render_plan` turns a plan into plain data (every number, label and entry of it), which
`test_planner_varied` compares with a fixed expected result and with the rules applied entry by
entry.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from invoicing.billing import (
    BillingOptions,
    BillingPlan,
    BusinessFacts,
    Catalog,
    ClientFacts,
    ExpenseFacts,
    LinePlan,
    Period,
    ProjectFacts,
    RateRule,
    RoundingPolicy,
    ServiceFacts,
    Tax,
    TeamMemberFacts,
    TimeEntryFacts,
)
from invoicing.billing.inputs import CLIENT_ARCHIVED, CLIENT_DELETED
from invoicing.billing.taxes import LineTaxes, TaxDefaults

ZONE = "America/St_Johns"  # UTC-3:30 / -2:30: a local day is never a UTC day
BUSINESS = BusinessFacts(timezone=ZONE, currency_code="CAD", standard_rate=Decimal("87.125"))
PERIOD = Period(date(2024, 3, 1), date(2024, 3, 31))  # DST starts on 10 March
ENTRY_COUNT = 1500

CLIENTS = [101, 102, 103, 104, 105, 106, 107]  # 107: archived, 106: deleted; 108 is not synced
PROJECTS = {
    # id: (client, billing method, rate, fixed price, internal)
    201: (101, "project_rate", Decimal("100.00"), False, False),
    202: (101, "service_rate", None, False, False),
    203: (102, "team_member_rate", None, False, False),
    204: (102, "business_rate", None, False, False),
    205: (103, "project_rate", None, False, False),
    206: (103, "project_rate", Decimal("150.00"), True, False),
    207: (104, None, None, False, False),
    208: (104, "service_rate", None, False, True),
    209: (105, "project_rate", Decimal("0"), False, False),
    210: (101, "team_member_rate", None, False, False),
}
SERVICES = [301, 302, 303, 304]
MEMBERS = {401: Decimal("65.5"), 402: None, 403: Decimal("0.00"), 404: Decimal("120.333")}


def catalog() -> Catalog:
    statuses = {106: CLIENT_DELETED, 107: CLIENT_ARCHIVED}
    currencies = {101: "USD", 102: "CAD", 103: None, 104: "EUR", 105: "USD", 106: "USD"}
    return Catalog(
        clients={
            client: ClientFacts(
                client,
                f"Client {client}" if client != 103 else "acme (lower case)",
                currencies.get(client),
                statuses.get(client, "active"),
            )
            for client in CLIENTS
        },
        projects={
            project: ProjectFacts(project, f"Project {project}", *values)
            for project, values in PROJECTS.items()
        },
        services={service: ServiceFacts(service, f"Service {service}") for service in SERVICES},
        team_members={
            member: TeamMemberFacts(member, f"Member {member}", rate)
            for member, rate in MEMBERS.items()
        },
        business_service_rates={301: Decimal("90.00"), 302: Decimal("12.345"), 304: Decimal(0)},
        project_service_rates={(202, 302): Decimal("130.5"), (208, 301): Decimal("99")},
    )


def rules() -> list[RateRule]:
    return [
        RateRule(1, Decimal("110.00"), 101),
        RateRule(2, Decimal("111.11"), 101, project_id=201),
        RateRule(3, Decimal("112.125"), 101, project_id=202, service_id=302),
        RateRule(4, Decimal("113"), 101, project_id=202, service_id=302, team_member_id=401),
        RateRule(5, Decimal("114"), 101, service_id=301, team_member_id=402),
        RateRule(6, Decimal("115"), 101, team_member_id=403),
        RateRule(7, Decimal("0"), 102, project_id=204),
        RateRule(8, Decimal("116.50"), 102, valid_from=date(2024, 3, 10)),
        RateRule(9, Decimal("117.50"), 102, valid_to=date(2024, 3, 15)),
        RateRule(10, Decimal("118"), 102, valid_from=date(2024, 3, 12), valid_to=date(2024, 3, 20)),
        RateRule(11, Decimal("119.999"), 103, service_id=303),
        RateRule(12, Decimal("120"), 105, project_id=209, valid_from=date(2024, 3, 16)),
        RateRule(13, Decimal("121"), 106),
        RateRule(14, Decimal("122"), 101, project_id=201, valid_from=date(2024, 3, 20)),
        RateRule(15, Decimal("95.5"), 103, valid_from=date(2024, 3, 20)),
        RateRule(16, Decimal("88.8"), 104, team_member_id=404),
        RateRule(17, Decimal("77.7"), 104, service_id=302, valid_to=date(2024, 3, 9)),
    ]


def tax_defaults() -> TaxDefaults:
    gst = Tax("GST", Decimal(5))
    pst = Tax("PST", Decimal("9.975"), compound=True)
    vat = Tax("VAT", Decimal("20"))
    return TaxDefaults(
        business=LineTaxes(first=gst),
        by_client={101: LineTaxes(first=gst, second=pst, compound=True), 104: LineTaxes(vat)},
        by_service={303: LineTaxes()},
        unusable_by_client={105: "Tax 'Gone' was deleted in FreshBooks."},
    )


DURATIONS = [0, 1, 59, 60, 61, 899, 900, 901, 1799, 3599, 3600, 3601, 5400, 7777, 28_800, 45_296]


def entries(count: int = ENTRY_COUNT, seed: int = 16) -> list[TimeEntryFacts]:
    chooser = random.Random(seed)
    start = datetime(2024, 2, 28, tzinfo=UTC)
    facts = []
    for index in range(count):
        client = chooser.choice([*CLIENTS, 101, 101, 102, 102, 103, 104, 105, 108, None])
        own = [project for project, values in PROJECTS.items() if values[0] == client]
        project = chooser.choice([*own, *own, None, 299]) if own else chooser.choice([None, 299])
        flag = chooser.random()
        facts.append(
            TimeEntryFacts(
                id=10_000 + chooser.randrange(10) * 100_000 + index,
                client_id=client,
                project_id=project,
                service_id=chooser.choice([*SERVICES, 301, 302, 305, None]),
                team_member_id=chooser.choice([*MEMBERS, 401, 405, None]),
                started_at=start + timedelta(seconds=chooser.randrange(0, 36 * 86_400, 450)),
                duration_seconds=chooser.choice(DURATIONS) + chooser.choice([0, 0, 0, 7, 450]),
                billable=flag > 0.03,
                billed=0.03 < flag <= 0.05,
                active=not 0.05 < flag <= 0.07,
                is_logged=not 0.07 < flag <= 0.09,
                internal=0.09 < flag <= 0.11,
                note=chooser.choice(["", "  Fixing the build  ", "Design review", "é ünïcode"]),
                on_open_draft=0.11 < flag <= 0.13,
            )
        )
    return facts


def expenses() -> list[ExpenseFacts]:
    def expense(expense_id: int, client: int | None, day: int, **values: Any) -> ExpenseFacts:
        fields: dict[str, Any] = {
            "project_id": None,
            "amount": Decimal("113.00"),
            "currency_code": "USD",
            **values,
        }
        return ExpenseFacts(
            freshbooks_id=expense_id, client_id=client, date=date(2024, 3, day), **fields
        )

    return [
        expense(901, 101, 5, tax_name1="HST", tax_percent1=Decimal(13), tax_amount1=Decimal(13)),
        expense(902, 101, 9, project_id=201, markup_percent=Decimal("12.5")),
        expense(903, 102, 30, currency_code="CAD", amount=Decimal("40.01")),
        expense(904, 102, 12, currency_code="USD"),
        expense(905, 105, 2, invoice_id=77),
        expense(906, None, 3),
        expense(907, 106, 4),
        expense(908, 104, 6, currency_code="EUR", billable=False),
        expense(909, 103, 7, currency_code="CAD"),
    ]


EXCLUDED_ENTRIES = frozenset({10_000 + index for index in range(0, ENTRY_COUNT, 97)})
OPTION_SETS: list[dict[str, Any]] = [
    {"grouping": "detailed", "rounding": (0, "up", "entry"), "unpriced": "hold"},
    {"grouping": "service", "rounding": (6, "up", "entry"), "unpriced": "leave_unbilled"},
    {"grouping": "project", "rounding": (15, "nearest", "line"), "unpriced": "bill_zero"},
    {"grouping": "team_member", "rounding": (10, "down", "entry"), "unpriced": "hold"},
    {"grouping": "day", "rounding": (30, "nearest", "entry"), "unpriced": "bill_zero"},
    {"grouping": "single", "rounding": (60, "up", "line"), "unpriced": "leave_unbilled"},
    {
        "grouping": "service",
        "rounding": (1, "nearest", "line"),
        "unpriced": "bill_zero",
        "expenses": "projects",
        "excluded_client_ids": frozenset({105}),
        "excluded_project_ids": frozenset({201, 207}),
        "max_lines": 3,
    },
    {"grouping": "detailed", "rounding": (0, "up", "entry"), "unpriced": "hold", "max_lines": 9},
]


def options(values: dict[str, Any]) -> BillingOptions:
    increment, direction, level = values["rounding"]
    return BillingOptions(
        period=PERIOD,
        grouping=values["grouping"],
        rounding=RoundingPolicy(increment, direction, level),
        unpriced=values["unpriced"],
        max_lines=values.get("max_lines", 400),
        expenses=values.get("expenses", "all"),
        excluded_client_ids=values.get("excluded_client_ids", frozenset()),
        excluded_project_ids=values.get("excluded_project_ids", frozenset()),
        excluded_entry_ids=EXCLUDED_ENTRIES,
    )


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _line(line: LinePlan) -> dict[str, Any]:
    return {
        "name": line.name,
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_cost": str(line.unit_cost),
        "amount": str(line.amount),
        "rate_sources": list(line.rate_sources),
        "taxes": [tax.label for tax in (line.taxes.first, line.taxes.second) if tax],
        "compound": line.taxes.compound,
        "dates": [line.first_date.isoformat(), line.last_date.isoformat()],
        "raw_seconds": line.raw_seconds,
        "entries": len(line.entry_ids),
        "entry_digest": _digest([line.entry_ids, sorted(line.billed_seconds.items())]),
    }


def render_plan(plan: BillingPlan) -> dict[str, Any]:
    """Every number and label of a plan: totals in full, lines and not-billed entries (reason,
    detail, rate fix) partly as digests, so the expected file stays small and any change shows."""
    return {
        "totals_by_currency": {code: str(total) for code, total in plan.totals_by_currency.items()},
        "drafts": [
            {
                "client": draft.client_id,
                "name": draft.client_name,
                "currency": draft.currency_code,
                "blocked": draft.blocked_reason,
                "key": draft.unique_key[:16],
                "subtotal": str(draft.subtotal),
                "taxes": [(tax.name, str(tax.amount)) for tax in draft.totals.taxes],
                "total": str(draft.total),
                "expense_lines": [
                    (line.expense_id, line.name, line.description, str(line.unit_cost))
                    for line in draft.expense_lines
                ],
                "line_count": len(draft.lines),
                # The first lines in full (to read a difference), every line in the digest.
                "first_lines": [_line(line) for line in draft.lines[:3]],
                "lines_digest": _digest([_line(line) for line in draft.lines]),
            }
            for draft in plan.drafts
        ],
        "not_billed_count": len(plan.not_billed),
        "not_billed_digest": _digest(
            [
                [
                    item.entry_id,
                    item.client_id,
                    str(item.reason),
                    item.detail,
                    item.project_id,
                    item.service_id,
                    item.team_member_id,
                    asdict(item.rate_fix) if item.rate_fix else None,
                ]
                for item in plan.not_billed
            ]
        ),
        "expenses_not_billed": [
            (item.expense.freshbooks_id, str(item.reason), item.detail)
            for item in plan.expenses_not_billed
        ],
    }
