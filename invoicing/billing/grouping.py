"""Turning priced entries into invoice lines (billing.md "Line grouping").

| mode        | one line per         | name / description                           |
| detailed    | time entry           | service (or project) / date, team member, note |
| service     | service and rate     | service / date range, hours                  |
| project     | project and rate     | project / date range, hours                  |
| team_member | team member and rate | member name / date range, hours              |
| day         | day and rate         | date / services worked                       |
| single      | rate                 | "Professional services" / date range, hours  |

A line never mixes rates, nor taxes (`PricedEntry.taxes`, from the local tax defaults). Entries
lacking the grouping dimension share one line per rate named e.g. "Time without a service". Lines
are ordered chronologically for `detailed` and `day`, and by name then rate otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.inputs import TimeEntryFacts
from invoicing.billing.money import hours_from_seconds, line_amount
from invoicing.billing.rounding import RoundingPolicy, round_seconds, spread_seconds
from invoicing.billing.taxes import NO_TAX, LineTaxes

GENERIC_LINE_NAME = "Professional services"


class PricedEntry(NamedTuple):
    """An eligible entry with its rate and the names a line may show (a named tuple: a plan
    makes one per billed entry)."""

    entry: TimeEntryFacts
    local_date: date
    rate: Decimal
    rate_label: str
    service_name: str | None
    project_title: str | None
    team_member_name: str | None
    taxes: LineTaxes = NO_TAX


@dataclass(frozen=True)
class LinePlan:
    """One invoice line; `billed_seconds` gives each entry's share of the line's billed time."""

    name: str
    description: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    rate_sources: tuple[str, ...]
    entry_ids: tuple[int, ...]
    billed_seconds: dict[int, int]
    raw_seconds: int
    first_date: date
    last_date: date
    taxes: LineTaxes = NO_TAX


@dataclass(frozen=True)
class _Mode:
    group_key: Callable[[PricedEntry], Hashable]
    name: Callable[[list[PricedEntry]], str]
    description: Callable[[list[PricedEntry], Decimal], str]
    chronological: bool


def build_lines(
    entries: Iterable[PricedEntry], *, grouping: str, rounding: RoundingPolicy
) -> list[LinePlan]:
    if grouping not in _MODES:
        raise BillingOptionsError("grouping", f"Unknown grouping {grouping!r}.")
    mode = _MODES[grouping]
    groups: dict[tuple[Hashable, Decimal, LineTaxes], list[PricedEntry]] = {}
    # Entries of one verdict share their rate and taxes objects: found by identity first, so
    # the taxes (dataclasses, hashed in Python) are hashed once per group, not once per entry.
    # The ids stay valid: `ordered` holds every one of these objects until the lines are built.
    by_identity: dict[tuple[Hashable, int, int], list[PricedEntry]] = {}
    ordered = sorted(entries, key=lambda item: item.entry.id)
    for priced in ordered:
        group_key = mode.group_key(priced)
        members = by_identity.get((group_key, id(priced.rate), id(priced.taxes)))
        if members is None:
            members = groups.setdefault((group_key, priced.rate, priced.taxes), [])
            by_identity[(group_key, id(priced.rate), id(priced.taxes))] = members
        members.append(priced)
    planned = [(_line(members, mode, rounding), members) for members in groups.values()]
    planned.sort(key=_chronological_order if mode.chronological else _name_order)
    return [line for line, _ in planned]


def _chronological_order(
    planned: tuple[LinePlan, list[PricedEntry]],
) -> tuple[date, datetime, Decimal, tuple[int, ...]]:
    line, members = planned
    earliest_start = min(item.entry.started_at for item in members)
    return (line.first_date, earliest_start, line.unit_cost, line.entry_ids)


def _name_order(
    planned: tuple[LinePlan, list[PricedEntry]],
) -> tuple[str, str, Decimal, tuple[int, ...]]:
    line, _ = planned
    return (line.name.casefold(), line.name, line.unit_cost, line.entry_ids)


def _line(members: list[PricedEntry], mode: _Mode, rounding: RoundingPolicy) -> LinePlan:
    members = sorted(members, key=lambda item: (item.entry.started_at, item.entry.id))
    raw = {item.entry.id: item.entry.duration_seconds for item in members}
    if rounding.level == "line":
        billed = spread_seconds(raw, round_seconds(sum(raw.values()), rounding))
    else:
        rounded: dict[int, int] = {}  # durations repeat: each is rounded once
        billed = {}
        for entry_id, seconds in raw.items():
            value = rounded.get(seconds)
            if value is None:
                value = rounded[seconds] = round_seconds(seconds, rounding)
            billed[entry_id] = value
    quantity = hours_from_seconds(sum(billed.values()))
    unit_cost = min(members, key=lambda item: item.entry.id).rate
    return LinePlan(
        name=mode.name(members),
        description=mode.description(members, quantity),
        quantity=quantity,
        unit_cost=unit_cost,
        amount=line_amount(quantity, unit_cost),
        rate_sources=tuple(sorted({item.rate_label for item in members})),
        entry_ids=tuple(sorted(raw)),
        billed_seconds=dict(sorted(billed.items())),
        raw_seconds=sum(raw.values()),
        first_date=min(item.local_date for item in members),
        last_date=max(item.local_date for item in members),
        taxes=members[0].taxes,
    )


def _date_range(members: list[PricedEntry]) -> str:
    first = min(item.local_date for item in members)
    last = max(item.local_date for item in members)
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _hours(quantity: Decimal) -> str:
    return f"{quantity} hour" if quantity == 1 else f"{quantity} hours"


def _range_and_hours(members: list[PricedEntry], quantity: Decimal) -> str:
    return f"{_date_range(members)}, {_hours(quantity)}"


def _detailed_name(members: list[PricedEntry]) -> str:
    entry = members[0]
    return entry.service_name or entry.project_title or GENERIC_LINE_NAME


def _detailed_description(members: list[PricedEntry], quantity: Decimal) -> str:
    entry = members[0]
    parts = [entry.local_date.isoformat(), entry.team_member_name, entry.entry.note.strip()]
    return ", ".join(part for part in parts if part)


def _day_description(members: list[PricedEntry], quantity: Decimal) -> str:
    services = sorted(
        {item.service_name for item in members if item.service_name}, key=str.casefold
    )
    return ", ".join(services) if services else GENERIC_LINE_NAME


def _named_by(attribute: str, missing: str) -> Callable[[list[PricedEntry]], str]:
    def name(members: list[PricedEntry]) -> str:
        return getattr(members[0], attribute) or missing

    return name


_MODES: dict[str, _Mode] = {
    "detailed": _Mode(
        group_key=lambda item: item.entry.id,
        name=_detailed_name,
        description=_detailed_description,
        chronological=True,
    ),
    "service": _Mode(
        group_key=lambda item: item.entry.service_id,
        name=_named_by("service_name", "Time without a service"),
        description=_range_and_hours,
        chronological=False,
    ),
    "project": _Mode(
        group_key=lambda item: item.entry.project_id,
        name=_named_by("project_title", "Time without a project"),
        description=_range_and_hours,
        chronological=False,
    ),
    "team_member": _Mode(
        group_key=lambda item: item.entry.team_member_id,
        name=_named_by("team_member_name", "Time without a team member"),
        description=_range_and_hours,
        chronological=False,
    ),
    "day": _Mode(
        group_key=lambda item: item.local_date,
        name=lambda members: members[0].local_date.isoformat(),
        description=_day_description,
        chronological=True,
    ),
    "single": _Mode(
        group_key=lambda item: None,
        name=lambda members: GENERIC_LINE_NAME,
        description=_range_and_hours,
        chronological=False,
    ),
}
