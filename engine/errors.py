"""The exception hierarchy: every error a user can meet, with the exit code it maps to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in a file: ``PATH:LINE:COLUMN: error: MESSAGE``."""

    path: str
    line: int
    column: int
    message: str
    where: str = ""  # the path inside the document, e.g. ``stages[2].gate.body``

    def __str__(self) -> str:
        where = f" (at {self.where})" if self.where else ""
        return f"{self.path}:{self.line}:{self.column}: error: {self.message}{where}"


class GovpathError(Exception):
    """Base of every error govpath reports to a person. ``str()`` is what they read."""

    exit_code = 1


class BadInput(GovpathError):
    """A definition, calendar, rule or file is invalid or unreadable; nothing was written."""

    exit_code = 1


class LocatedErrors(BadInput):
    """One or more located problems in files; all of them, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DefinitionError(LocatedErrors):
    """A pathway definition does not validate."""


class CalendarError(LocatedErrors):
    """A calendar file does not import."""


class RuleError(BadInput):
    """A deadline rule phrase cannot be understood."""


class NotFound(BadInput):
    """A plan, pathway, actor or meeting named on the command line does not exist."""


class Refused(GovpathError):
    """The transition is not allowed: wrong state, failed guard, or missing role. State unchanged."""

    exit_code = 3


class NotPermitted(Refused):
    """The actor lacks the role the transition needs (exit 3; HTTP 403). State unchanged."""


class Conflict(GovpathError):
    """Someone else changed the plan first; nothing was written; try again."""

    exit_code = 4


class IntegrityFailure(GovpathError):
    """The audit trail does not verify."""

    exit_code = 5
