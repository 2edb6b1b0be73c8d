"""Who may use the policy team's pages: holders of a council-wide policy role."""

from __future__ import annotations

from fastapi import Depends

from govpath.web.auth import Person, current_person

POLICY_ROLES = ("policy_team",)


class NotAllowed(Exception):
    """The signed-in person lacks the role a page needs: a 403 page, nothing done."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def policy_officer(person: Person = Depends(current_person)) -> Person:
    """A dependency: the signed-in person, who must hold a policy team role."""
    if not person.has(*POLICY_ROLES):
        raise NotAllowed(
            "This page is for the policy team; you hold "
            + (", ".join(sorted(person.roles)) or "no roles")
            + "."
        )
    return person
