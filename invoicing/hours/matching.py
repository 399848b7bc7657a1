"""Match what a caller or a CSV names (an id, an email, a name) to the business's FreshBooks
clients, projects, services and team members, saying how each was matched.

Names compare case-insensitively with surrounding spaces ignored; a name two rows share is
refused as ambiguous (use the id) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connections.models import ConnectedBusiness
from invoicing.models import Client, Project, Service, TeamMember

Ref = int | str


@dataclass(frozen=True)
class Match:
    id: int
    name: str
    matched_by: str  # "id", "email" or "name"


class Unmatched(Exception):
    """The reference names nothing (or several things) of the business; the message says which."""


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class _Row:
    id: int
    name: str
    names: tuple[str, ...]
    email: str = ""
    client_id: int | None = None


class _Index:
    def __init__(self, noun: str, rows: Iterable[_Row]) -> None:
        self.noun = noun
        self.rows = list(rows)
        self.by_id = {row.id: row for row in self.rows}
        self.by_name: dict[str, list[_Row]] = {}
        self.by_email: dict[str, list[_Row]] = {}
        for row in self.rows:
            for name in {_key(name) for name in row.names if name.strip()}:
                self.by_name.setdefault(name, []).append(row)
            if row.email.strip():
                self.by_email.setdefault(_key(row.email), []).append(row)

    def find(self, ref: Ref, *, within: list[_Row] | None = None) -> Match:
        if isinstance(ref, bool):
            raise Unmatched(f"Give the {self.noun}'s id, email or name.")
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            row = self.by_id.get(int(ref))
            if row is None:
                raise Unmatched(f"No {self.noun} has the id {int(ref)} in this business.")
            return Match(id=row.id, name=row.name, matched_by="id")
        text = _key(ref)
        if not text:
            raise Unmatched(f"The {self.noun} is empty.")
        how, found = "name", self.by_name.get(text, [])
        if not found and "@" in text:
            how, found = "email", self.by_email.get(text, [])
        if within is not None and len(found) > 1:
            found = [row for row in found if row in within] or found
        if not found:
            raise Unmatched(f"No {self.noun} is called “{ref.strip()}” in this business.")
        if len(found) > 1:
            ids = ", ".join(str(row.id) for row in found)
            raise Unmatched(
                f"{len(found)} {self.noun}s match “{ref.strip()}” (ids {ids}); use the id."
            )
        return Match(id=found[0].id, name=found[0].name, matched_by=how)


class HoursCatalog:
    """One business's matchable objects, loaded once per request or import."""

    def __init__(self, business: ConnectedBusiness) -> None:
        self.clients = _Index(
            "client",
            (
                _Row(
                    id=row.freshbooks_id,
                    name=str(row),
                    names=(row.display_name, _organization(row)),
                    email=row.email,
                )
                for row in Client.objects.filter(business=business)
            ),
        )
        self.projects = _Index(
            "project",
            (
                _Row(
                    id=row.freshbooks_id,
                    name=str(row),
                    names=(row.title,),
                    client_id=row.client_freshbooks_id,
                )
                for row in Project.objects.filter(business=business)
            ),
        )
        self.services = _Index(
            "service",
            (
                _Row(id=row.freshbooks_id, name=str(row), names=(row.name,))
                for row in Service.objects.filter(business=business)
            ),
        )
        self.team_members = _Index(
            "team member",
            (
                _Row(id=row.identity_id, name=str(row), names=(row.name,), email=row.email)
                for row in TeamMember.objects.filter(business=business)
            ),
        )

    def client(self, ref: Ref) -> Match:
        return self.clients.find(ref)

    def project(self, ref: Ref, *, client_id: int) -> Match:
        """A project of the client (a name two clients' projects share picks this client's)."""
        own = [row for row in self.projects.rows if row.client_id == client_id]
        match = self.projects.find(ref, within=own)
        owner = self.projects.by_id[match.id].client_id
        if owner is not None and owner != client_id:
            raise Unmatched(f"The project “{match.name}” belongs to another client.")
        return match

    def service(self, ref: Ref) -> Match:
        return self.services.find(ref)

    def team_member(self, ref: Ref) -> Match:
        return self.team_members.find(ref)

    def choices(self, index: str) -> list[tuple[int, str]]:
        """(id, name) pairs for a form's picker, by name."""
        rows = getattr(self, index).rows
        return sorted(((row.id, row.name) for row in rows), key=lambda pair: pair[1].casefold())


def _organization(client: Client) -> str:
    value = client.raw.get("organization") if isinstance(client.raw, dict) else None
    return value if isinstance(value, str) else ""
