"""Compile a pathway into a cached ``transitions`` state machine: definition in, machine out.

The machine is the one place that answers "may this trigger fire from this state now". It has no
models of its own: :meth:`CompiledPathway.fire` runs a trigger on a throwaway token (an object with
one ``state`` attribute), so transitions' dynamic attributes never reach our domain objects. Every
transition carries one condition that asks, in order, roles, content, guard, notice and deadlines
(one owed that may not be left behind), calling the method of that name on the *checks* object
passed to the trigger, and stops at the first that fails (:class:`Checks`; the
runtime's, :class:`govpath.runtime.decide.Checks`, reads a plan's snapshot and remembers why it
failed). Without checks (``fire(state, trigger)``) every condition holds: the route alone decides.

>>> from govpath.definition.model import Pathway
>>> p = Pathway.model_validate({
...     "id": "demo", "title": "Demo", "year": "2013/14",
...     "roles": [{"id": "director", "name": "Director"}],
...     "bodies": [{"id": "cabinet", "name": "Cabinet"}],
...     "initial": "draft",
...     "stages": [{"id": "draft", "title": "Draft"},
...                {"id": "done", "title": "Done", "terminal": True}],
...     "transitions": [{"trigger": "submit", "from": "draft", "to": "done",
...                      "roles": ["director"]}],
... })
>>> c = compile_pathway(p)
>>> c.can_fire("draft", "submit"), c.can_fire("done", "submit")
(True, False)
>>> c.fire("draft", "submit")
'done'
>>> class Never:
...     def roles(self): return False
>>> c.fire("draft", "submit", Never()) is None  # a condition failed: no move
True
>>> [t.trigger for t in c.available("draft")]
['submit']
>>> compile_pathway(p) is c  # cached per content hash
True
>>> "draft --> done: submit" in mermaid(p)
True
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from govpath.errors import Refused
from govpath.store.cache import CACHE

if TYPE_CHECKING:
    from transitions import Machine
    from transitions.core import Condition

    from govpath.definition.model import Pathway, Transition

_STATE_LINE = re.compile(r'^(\s*)state "[^"]*" as (\w+)$')


class _Token:
    """The throwaway model a transition runs on: it holds the state, nothing else of ours."""

    def __init__(self, state: str) -> None:
        self.state = state


def _hash(pathway: Pathway) -> str:
    try:
        from govpath.definition.loader import content_hash

        return content_hash(pathway)
    except ImportError:  # pragma: no cover - the loader is part of the package
        data = pathway.model_dump(mode="json", by_alias=True)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Checks(Protocol):
    """What a transition's conditions ask, for one plan, actor and request (False: refused)."""

    def roles(self) -> bool: ...
    def content(self) -> bool: ...
    def guard(self) -> bool: ...
    def notice(self) -> bool: ...
    def deadlines(self) -> bool: ...


def _allowed(checks: Checks | None = None) -> bool:
    """The machine's condition: the checks in order (the first that fails stops it); none
    given (a plain route question): it holds. One condition rather than five: transitions'
    per-condition dispatch costs more than the checks themselves on the hot path."""
    return checks is None or (
        checks.roles()
        and checks.content()
        and checks.guard()
        and checks.notice()
        and checks.deadlines()
    )


CONDITIONS = (_allowed,)


def _holds(condition: Condition, args: tuple[Checks, ...] | tuple[()]) -> bool:
    """One of a route's conditions, asked as the machine asks it (``send_event`` is off)."""
    func = condition.func
    assert callable(func), "compile_pathway gives the machine functions, never names"
    return bool(func(*args) == condition.target)


def _machine_spec(
    pathway: Pathway, *, conditions: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    states = [{"name": s.id, "final": bool(s.terminal)} for s in pathway.stages]
    transitions = [
        {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
        | ({"conditions": list(CONDITIONS)} if conditions else {})
        for t in pathway.transitions
    ]
    return states, transitions


@dataclass
class CompiledPathway:
    """A pathway and the state machine compiled from it (shared, never bound to a plan)."""

    pathway: Pathway
    content_hash: str
    machine: Machine
    _by_key: dict[tuple[str, str], Transition | None] = field(default_factory=dict, repr=False)
    # per-version memo of the runtime's routes (govpath.runtime.decide.route); never invalidated:
    # a version's definition does not change
    routes: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    owner_scopes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, repr=False)
    timeline_needed: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    def can_fire(self, state: str, trigger: str) -> bool:
        """Whether TRIGGER leads anywhere from STATE (the route only: no conditions asked)."""
        event = self.machine.events.get(trigger)
        return event is not None and state in event.transitions

    def fire(self, state: str, trigger: str, checks: Checks | None = None) -> str | None:
        """Run TRIGGER from STATE on a throwaway token, its conditions asking CHECKS.

        The new state, or None when a condition failed (CHECKS knows which). Refused when the
        trigger does not fire from STATE at all.
        """
        event = self.machine.events.get(trigger)
        if event is None:
            raise Refused(f"'{trigger}' is not a trigger of pathway '{self.pathway.id}'.")
        # The machine's own routes for the trigger from STATE, tried in its order, each taken
        # when its conditions hold: what ``Event.trigger`` does for a machine with no callbacks
        # (compile_pathway gives it none), without the event objects and callback dispatch that
        # cost some 20 µs a transition. A state the machine does not know, or no route, goes
        # through the machine itself, which says why.
        routes = event.transitions.get(state) if state in self.machine.states else None
        if routes:
            args = (checks,) if checks is not None else ()
            for route in routes:
                if all(_holds(condition, args) for condition in route.conditions):
                    return str(route.dest)
            return None
        from transitions import MachineError

        token = _Token(state)
        try:
            moved = event.trigger(token, checks) if checks is not None else event.trigger(token)
        except MachineError:
            raise Refused(f"'{trigger}' does not fire from '{state}'.") from None
        return token.state if moved else None

    def available(self, state: str) -> list[Transition]:
        """The definition's transitions the machine can take from STATE, in definition order."""
        triggers = set(self.machine.get_triggers(state))
        return [t for t in self.pathway.transitions if t.trigger in triggers and state in t.source]

    def transition(self, state: str, trigger: str) -> Transition | None:
        """The definition's transition for TRIGGER from STATE, or None."""
        key = (state, trigger)
        if key not in self._by_key:
            self._by_key[key] = next(
                (t for t in self.pathway.transitions if t.trigger == trigger and state in t.source),
                None,
            )
        return self._by_key[key]

    def mermaid(self) -> str:
        """The pathway as a Mermaid state diagram (transitions' own Mermaid support)."""
        return mermaid(self.pathway)


def compile_pathway(pathway: Pathway) -> CompiledPathway:
    """The compiled machine for PATHWAY, built once per content hash (``CACHE.compiled``)."""
    key = _hash(pathway)
    found = CACHE.compiled.get(key)
    if found is not None:
        return found
    from transitions import Machine

    states, transitions = _machine_spec(pathway, conditions=True)
    machine = Machine(
        model=None,
        states=states,
        transitions=transitions,
        initial=pathway.initial,
        auto_transitions=False,
        send_event=False,
    )
    compiled = CompiledPathway(pathway=pathway, content_hash=key, machine=machine)
    # setdefault is atomic: of two threads compiling at once, both get the first one kept
    return CACHE.compiled.setdefault(key, compiled)


def mermaid(pathway: Pathway) -> str:
    """A Mermaid ``stateDiagram-v2`` of PATHWAY, drawn by transitions' diagram extension."""
    from transitions.extensions.diagrams import GraphMachine

    from govpath.safe_output import mermaid_label

    states, transitions = _machine_spec(pathway)
    token = _Token(pathway.initial)
    GraphMachine(
        model=token,
        states=states,
        transitions=transitions,
        initial=pathway.initial,
        auto_transitions=False,
        graph_engine="mermaid",
        # Mermaid front matter is YAML: the title is one quoted value, never keys of its own.
        title=f'title: "{mermaid_label(pathway.title)}"',
        show_conditions=False,
        show_state_attributes=False,
    )
    text = str(cast(Any, token).get_graph().draw(None))
    titles = {s.id: mermaid_label(s.title or s.id) for s in pathway.stages}
    lines = []
    for line in text.splitlines():
        m = _STATE_LINE.match(line)
        if m and m.group(2) in titles:  # show each stage's title, keep its id
            line = f'{m.group(1)}state "{titles[m.group(2)]}" as {m.group(2)}'
        elif line.lstrip().startswith("Class "):  # Mermaid's keyword is lower case
            line = line.replace("Class ", "class ", 1)
        lines.append(line.rstrip())
    for stage in pathway.terminal_stages:
        if f"  {stage.id} --> [*]" not in lines:
            lines.append(f"  {stage.id} --> [*]")
    return "\n".join(lines).rstrip() + "\n"
