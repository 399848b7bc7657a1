"""What an uploaded CSV would import: each row matched to a client, project, service and team
member (or why it cannot be), the names nobody matched (to map once for all rows), and counts.
Reads only; `imports.py` stores what this plans."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef
from django.utils import timezone

from invoicing.hours.checks import HoursInput, hours_problems
from invoicing.hours.formats import FORMATS, CsvRow, read_rows
from invoicing.hours.matching import HoursCatalog, Match, Unmatched
from invoicing.models import DraftEntry, HoursImport, TimeEntry

KINDS = ("client", "project", "service", "team_member")
KIND_LABELS = {
    "client": "Client",
    "project": "Project",
    "service": "Service (task)",
    "team_member": "Team member",
}
LEFT_EMPTY = "leave empty"


def mapping_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class RowPlan:
    row: CsvRow
    matches: dict[str, Match | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    state: str = "new"  # new, update, unchanged, billed, skip
    entry: HoursInput | None = None


@dataclass(frozen=True)
class Unknown:
    kind: str
    name: str
    rows: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class ImportPlan:
    tool_label: str
    rows: list[RowPlan]
    unknowns: list[Unknown]
    counts: Counter

    @property
    def entries(self) -> list[HoursInput]:
        """What confirming stores, in file order (rows already billed are left alone)."""
        return [
            plan.entry
            for plan in self.rows
            if plan.entry is not None and plan.state in ("new", "update", "unchanged")
        ]

    @property
    def problem_rows(self) -> list[RowPlan]:
        return [plan for plan in self.rows if plan.state == "skip"]


def _match(
    catalog: HoursCatalog,
    kind: str,
    names: list[str],
    mapping: dict,
    client_id: int | None,
) -> tuple[Match | None, str | None]:
    """The match, or the name nobody matched (None when the row names nothing of that kind)."""
    names = [name for name in names if name.strip()]
    if not names:
        return None, None
    mapped = mapping.get(kind, {})
    for name in names:
        key = mapping_key(name)
        if key in mapped:
            target = mapped[key]
            if target is None:
                return None, None
            try:
                return _find(catalog, kind, target, client_id), None
            except Unmatched:
                return None, name
    for name in names:
        try:
            return _find(catalog, kind, name, client_id), None
        except Unmatched:
            continue
    return None, names[-1] if kind == "team_member" else names[0]


def _find(catalog: HoursCatalog, kind: str, ref: int | str, client_id: int | None) -> Match:
    if kind == "project":
        if client_id is None:
            raise Unmatched("no client")
        return catalog.project(ref, client_id=client_id)
    return getattr(catalog, kind)(ref)


def import_plan(hours_import: HoursImport, *, catalog: HoursCatalog | None = None) -> ImportPlan:
    business = hours_import.business
    catalog = catalog or HoursCatalog(business)
    zone = ZoneInfo(business.timezone or "UTC")
    found, rows = read_rows(bytes(hours_import.content), zone)
    mapping = hours_import.mapping or {}
    now = timezone.now()
    plans: list[RowPlan] = []
    unknown_rows: Counter[tuple[str, str]] = Counter()
    names: dict[tuple[str, str], str] = {}
    id_counts = Counter(row.external_id for row in rows)
    for row in rows:
        plan = RowPlan(row=row, problems=list(row.problems))
        if id_counts[row.external_id] > 1:
            plan.problems.append(f"The external id “{row.external_id}” is on several rows.")
        client_id = None
        for kind, refs in (
            ("client", [row.client]),
            ("project", [row.project]),
            ("service", [row.service]),
            ("team_member", [row.member_name, row.member]),
        ):
            match, unknown = _match(catalog, kind, refs, mapping, client_id)
            plan.matches[kind] = match
            if kind == "client" and match is not None:
                client_id = match.id
            if unknown is not None and not (kind == "project" and client_id is None):
                key = (kind, mapping_key(unknown))
                unknown_rows[key] += 1
                names.setdefault(key, unknown)
                plan.problems.append(f"{KIND_LABELS[kind]} “{unknown}” is not in FreshBooks.")
        if row.started_at is not None and row.duration_seconds is not None and client_id:
            plan.entry = HoursInput(
                external_id=row.external_id,
                client_id=client_id,
                project_id=_id(plan.matches["project"]),
                service_id=_id(plan.matches["service"]),
                team_member_id=_id(plan.matches["team_member"]),
                started_at=row.started_at,
                duration_seconds=row.duration_seconds,
                note=row.note,
                billable=row.billable,
            )
            plan.problems += hours_problems(plan.entry, now).values()
        if plan.problems:
            plan.state, plan.entry = "skip", None
        plans.append(plan)
    _classify_existing(hours_import, plans)
    unknowns = [
        Unknown(kind=kind, name=names[(kind, key)], rows=count)
        for (kind, key), count in sorted(unknown_rows.items())
    ]
    return ImportPlan(
        tool_label=found.label,
        rows=plans,
        unknowns=unknowns,
        counts=Counter(plan.state for plan in plans),
    )


def _id(match: Match | None) -> int | None:
    return match.id if match else None


def _classify_existing(hours_import: HoursImport, plans: list[RowPlan]) -> None:
    """Rows imported before: unchanged, to update, or billed (left alone)."""
    wanted = {plan.entry.external_id: plan for plan in plans if plan.entry is not None}
    if not wanted:
        return
    on_draft = DraftEntry.objects.filter(time_entry=OuterRef("pk"), voided=False)
    existing = TimeEntry.objects.filter(
        business=hours_import.business, source=TimeEntry.Source.CSV
    ).annotate(on_draft=Exists(on_draft))
    ids = list(wanted)
    for start in range(0, len(ids), 1000):
        for row in existing.filter(external_id__in=ids[start : start + 1000]):
            plan = wanted[row.external_id]
            entry = plan.entry
            assert entry is not None
            if row.billed or row.on_draft:
                plan.state = "billed"
            elif row.active and _same(row, entry):
                plan.state = "unchanged"
            else:
                plan.state = "update"


def _same(row: TimeEntry, entry: HoursInput) -> bool:
    return (
        row.client_freshbooks_id == entry.client_id
        and row.project_freshbooks_id == entry.project_id
        and row.service_freshbooks_id == entry.service_id
        and row.identity_id == entry.team_member_id
        and row.started_at == entry.started_at
        and row.duration_seconds == entry.duration_seconds
        and row.note == entry.note
        and row.billable == entry.billable
    )


def tool_label(tool: str) -> str:
    return next((found.label for found in FORMATS if found.tool == tool), tool)


def started_local(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone or "UTC")).strftime("%Y-%m-%d %H:%M")
