"""Sign-in only: one-time e-mail links, OpenID Connect, sessions, CSRF and the signed-in person."""

from govpath.web.auth.csrf import csrf_token, require_csrf
from govpath.web.auth.current import Person, SignInRequired, current_person

__all__ = ["Person", "SignInRequired", "csrf_token", "current_person", "require_csrf"]
