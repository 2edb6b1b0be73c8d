"""The demo's cast: the people a seed year names, by role, with fictional names and e-mail addresses."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from govpath.definition.model import Pathway

DOMAIN = "kent.example"

_FIRST = [
    "Alex",
    "Bernadette",
    "Chidi",
    "Deborah",
    "Eamon",
    "Fiona",
    "Gurpreet",
    "Hannah",
    "Imran",
    "Joanna",
    "Kwame",
    "Lorna",
    "Marcus",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Siobhan",
    "Tomasz",
    "Una",
    "Vikram",
    "Wendy",
]
_LAST = [
    "Ashby",
    "Bennett",
    "Chandler",
    "Dawson",
    "Ellison",
    "Fairfax",
    "Goddard",
    "Hollis",
    "Iqbal",
    "Jarvis",
    "Kemp",
    "Lowther",
    "Mercer",
    "Newland",
    "Okafor",
    "Pryce",
    "Quinlan",
    "Radley",
    "Sandhu",
    "Thornton",
]


@dataclass(frozen=True)
class Person:
    """One actor of the demo."""

    email: str
    name: str
    roles: tuple[str, ...]
    reports_to: str | None = None


@dataclass
class Cast:
    """Everyone in the demo, and who owns which plan."""

    people: list[Person] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)  # plan subject -> owner e-mail

    def with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")


def cast_for(pathway: Pathway, rng: random.Random) -> Cast:
    """A Director (or owner) per plan unit, one person for every other role, and reporting lines."""
    names = [(f, s) for f in _FIRST for s in _LAST]
    rng.shuffle(names)
    taken = iter(names)

    def person(role: str, label: str, reports_to: str | None = None) -> Person:
        first, last = next(taken)
        email = f"{first}.{last}@{DOMAIN}".lower()
        return Person(email=email, name=f"{first} {last}", roles=(role,), reports_to=reports_to)

    cast = Cast()
    by_role: dict[str, Person] = {}
    # Senior roles first, so reporting lines can point at them.
    order = sorted(pathway.roles, key=lambda r: _rank(pathway, r.id), reverse=True)
    for role in order:
        if role.id == "director" or (
            pathway.fan_out and any(u.owner_role == role.id for u in pathway.fan_out.units)
        ):
            continue
        above = by_role.get(role.escalates_to or "")
        by_role[role.id] = person(role.id, role.name, above.email if above else None)
        cast.people.append(by_role[role.id])
    units = pathway.fan_out.units if pathway.fan_out else ()
    for unit in units:
        owner_role = unit.owner_role
        manager = (
            by_role.get(pathway.role(owner_role).escalates_to or "")
            if owner_role in {r.id for r in pathway.roles}
            else None
        )
        first, last = next(taken)
        email = f"{first}.{last}@{DOMAIN}".lower()
        owner = Person(
            email=email,
            name=f"{first} {last}",
            roles=(owner_role,),
            reports_to=manager.email if manager else None,
        )
        cast.people.append(owner)
        cast.owners[unit.subject] = owner.email
    return cast


def _rank(pathway: Pathway, role_id: str) -> int:
    """How many steps a role is from the top of its escalation chain (top first)."""
    depth, seen = 0, {role_id}
    current = role_id
    while True:
        nxt = next((r.escalates_to for r in pathway.roles if r.id == current), None)
        if not nxt or nxt in seen:
            return -depth
        seen.add(nxt)
        depth += 1
        current = nxt
