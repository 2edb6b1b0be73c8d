"""Who may fire a transition on a plan: the roles an actor holds, scoped to that plan.

The rule, for a plan P owned by O on a pathway:

* P's **owner role** is the ``owner_role`` of the pathway's fan-out unit whose subject is P's
  subject; failing that, the fan-out's common owner role; failing that ``director`` when the
  pathway defines it, else the initial stage's owner. O acts in the owner role for P (even without
  holding it); anyone else holding the owner role does **not** act in it for P — a Director who is
  not P's owner cannot submit another Director's plan.
* The owner role's **manager role** is its ``escalates_to`` (KCC: ``corporate_director``). Someone
  holding it acts in it for P only when they are in O's ``reports_to`` chain.
* Every other role (``policy_team``, ``cabinet_member``, ``democratic_services``, ``leader``…) is
  held council-wide and acts on any plan.

>>> from govpath.definition.model import Pathway
>>> p = Pathway.model_validate({"id": "x", "title": "X", "year": "2013/14", "initial": "a",
...     "roles": [{"id": "director", "name": "D", "escalates_to": "corporate_director"},
...               {"id": "corporate_director", "name": "CD"}, {"id": "policy_team", "name": "P"}],
...     "bodies": [], "stages": [{"id": "a", "title": "A"}], "transitions": []})
>>> sorted(acting_roles(p, "Finance", "o@kent", "o@kent", {"director"}, lambda: []))
['director']
>>> sorted(acting_roles(p, "Finance", "o@kent", "d@kent", {"director", "policy_team"}, lambda: []))
['policy_team']
>>> manager_chain = lambda: ["cd@kent"]
>>> sorted(acting_roles(p, "Finance", "o@kent", "cd@kent", {"corporate_director"}, manager_chain))
['corporate_director']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govpath.definition.model import Pathway


def owner_role(pathway: Pathway, subject: str) -> str | None:
    """The role the owner of a plan about SUBJECT acts in (see the module docstring)."""
    fan = pathway.fan_out
    if fan is not None and fan.units:
        for unit in fan.units:
            if unit.subject.strip().lower() == subject.strip().lower():
                return unit.owner_role
        kinds = {u.owner_role for u in fan.units}
        if len(kinds) == 1:
            return next(iter(kinds))
    role_ids = {r.id for r in pathway.roles}
    if "director" in role_ids:
        return "director"
    return pathway.stage(pathway.initial).owner


def manager_role(pathway: Pathway, owner_role_id: str | None) -> str | None:
    """The owner role's ``escalates_to`` (the owner's manager acts in it), if any."""
    if owner_role_id is None:
        return None
    for role in pathway.roles:
        if role.id == owner_role_id:
            return role.escalates_to
    return None


def acting_roles(
    pathway: Pathway,
    subject: str,
    owner: str,
    actor: str,
    held: Iterable[str],
    chain: Callable[[], list[str]],
    *,
    scope: tuple[str | None, str | None] | None = None,
) -> set[str]:
    """The roles ACTOR acts in for a plan about SUBJECT owned by OWNER.

    ``chain`` returns the owner's ``reports_to`` chain; it is called only when needed. ``scope``
    is the plan's (owner role, manager role) when the caller already knows them.
    """
    if scope is None:
        own = owner_role(pathway, subject)
        scope = (own, manager_role(pathway, own))
    own, manager = scope
    acting: set[str] = set()
    is_owner = actor == owner
    for role in held:
        if role == own:
            if is_owner:
                acting.add(role)
        elif role == manager:
            if actor in chain():
                acting.add(role)
        else:
            acting.add(role)
    if is_owner and own:
        acting.add(own)
    return acting


def refusal_reason(
    pathway: Pathway,
    plan_id: int,
    subject: str,
    owner: str,
    held: Iterable[str],
    trigger: str,
    needed: Iterable[str],
) -> str:
    """Why an actor holding HELD may not fire TRIGGER on the plan, and who may."""
    held = sorted(held)
    needed = list(needed)
    own = owner_role(pathway, subject)
    manager = manager_role(pathway, own)
    holds = f"you hold roles {', '.join(held)}" if held else "you hold no roles"
    scoped = []
    if own in held and own in needed:
        scoped.append(f"you act as {own} only for plans you own (plan {plan_id} is {owner}'s)")
    if manager and manager in held and manager in needed:
        scoped.append(
            f"you act as {manager} only for plans of people who report to you, and {owner} does not"
        )
    extra = ("; " + "; ".join(scoped)) if scoped else ""
    return f"{holds}{extra}; '{trigger}' needs {' or '.join(needed)}."
