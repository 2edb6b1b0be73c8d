"""Who is signed in: the :func:`current_person` dependency every page but sign-in uses.

    from govpath.web.auth import Person, current_person

    @router.get("/thing")
    def thing(request: Request, person: Person = Depends(current_person)): ...

Signed out, it raises :class:`SignInRequired`, which the app turns into a redirect to the
sign-in page (HTML) or a 401 (the JSON API).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from fastapi import Request

from govpath.audit.acting import Acting

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class Person:
    """A signed-in person: a govpath actor, with their roles."""

    email: str
    name: str
    roles: frozenset[str]
    reports_to: str | None = None
    signed_in_by: str = "link"  # how this session began: link (one-time e-mail link) | oidc
    issuer: str | None = None  # the identity provider, when signed in by OpenID Connect
    subject: str | None = None  # and the account there (the ID token's sub)

    @property
    def acting(self) -> Acting:
        """The identity the trail records for what this person does through the web."""
        if self.signed_in_by == "oidc":
            return Acting(
                channel="web", person=self.email, issuer=self.issuer, subject=self.subject
            )
        return Acting(channel="web", person=self.email, issuer="one-time e-mail link")

    def has(self, *roles: str) -> bool:
        """Whether they hold any of ROLES (council-wide roles such as policy_team, auditor)."""
        return bool(self.roles & set(roles))


class SignInRequired(Exception):
    """Nobody is signed in (or the session ended): go to the sign-in page."""


def find_person(engine: Engine, email: str) -> Person | None:
    """The actor with EMAIL, or None when govpath does not know them."""
    from govpath.store.sign_in import person_with_roles

    with engine.connect() as conn:
        found = person_with_roles(conn, email.strip().lower())
    if found is None:
        return None
    return Person(
        email=found.email, name=found.name, roles=found.roles, reports_to=found.reports_to
    )


def current_person(request: Request) -> Person:
    """The signed-in person; raises SignInRequired when nobody is."""
    session = getattr(request.state, "session", None)
    if session is None:
        raise SignInRequired()
    person = getattr(request.state, "person", None)
    if person is None:
        person = find_person(request.app.state.web.engine, session.email)
        if person is None:  # removed since they signed in
            raise SignInRequired()
        oidc = session.method == "oidc"
        settings = request.app.state.web.settings
        person = replace(
            person,
            signed_in_by=session.method,
            # as checked at sign-in; a session begun before they were kept: the configured issuer
            issuer=(session.issuer or settings.oidc_issuer or None) if oidc else None,
            subject=session.subject if oidc else None,
        )
        request.state.person = person
    return person
