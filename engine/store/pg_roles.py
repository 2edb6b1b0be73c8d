"""PostgreSQL roles: an owner of the schema, and an application role that may append to the trail
and read it, but not alter it, its triggers or their functions; and a check that the trail's
guards are still the ones govpath installed."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from govpath.errors import BadInput
from govpath.store.backend import backend_of

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# tables the application only reads and appends to
APPEND_ONLY = ("audit_events", "audit_checkpoints")
READ_ONLY = ("alembic_version", "database_facts")
HEAD = "audit_head"
# the trail's guards: trigger -> (table, function)
GUARDS = {
    "audit_events_append_only": ("audit_events", "govpath_audit_append_only"),
    "audit_events_no_truncate": ("audit_events", "govpath_audit_append_only"),
    "audit_head_forward": ("audit_head", "govpath_audit_head_forward"),
}


def _role(name: str, flag: str) -> str:
    if not _NAME.match(name):
        raise BadInput(f"{flag} {name!r} is not a plain PostgreSQL role name (a-z, 0-9, _).")
    return f'"{name}"'


def set_up_roles(engine: Engine, owner: str, app: str) -> list[str]:
    """Create OWNER and APP (LOGIN, no password: set one or use pg_hba), make OWNER own every
    object of the schema and grant APP what the program needs; returns what was done."""
    from sqlalchemy import text

    if not backend_of(engine).database_roles:
        raise BadInput("--owner-role and --app-role are for PostgreSQL databases.")
    o, a = _role(owner, "--owner-role"), _role(app, "--app-role")
    if owner == app:
        raise BadInput("the owner role and the application role must be different roles.")
    done: list[str] = []
    with engine.begin() as conn:
        for name, quoted in ((owner, o), (app, a)):
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f"CREATE ROLE {quoted} LOGIN"))
                done.append(f"created role {name}")
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {o}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {a}"))
        tables = list(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
        )
        for table in tables:
            conn.execute(text(f'ALTER TABLE public."{table}" OWNER TO {o}'))
            conn.execute(text(f'REVOKE ALL ON public."{table}" FROM {a}'))
            if table in APPEND_ONLY:
                privileges = "SELECT, INSERT"
            elif table in READ_ONLY:
                privileges = "SELECT"
            elif table == HEAD:
                privileges = "SELECT, UPDATE"
            else:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            conn.execute(text(f'GRANT {privileges} ON public."{table}" TO {a}'))
        functions = conn.execute(
            text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND p.proname LIKE 'govpath\\_%'"
            )
        ).scalars()
        for signature in functions:
            conn.execute(text(f"ALTER FUNCTION {signature} OWNER TO {o}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}"))
        done.append(f"{owner} owns the schema; {app} may read and append to the trail")
    return done


def _body_digest(source: str) -> str:
    return hashlib.sha256(" ".join(source.split()).encode()).hexdigest()


def _installed_bodies() -> dict[str, str]:
    """The function bodies govpath's migrations install, by function name."""
    import importlib.util
    from pathlib import Path

    folder = Path(__file__).parent / "migrations" / "versions"
    out: dict[str, str] = {}
    for module, attr, name in (
        ("0002_append_only_trail", "_PG_FUNCTION", "govpath_audit_append_only"),
        ("0009_trail_witness", "HEAD_FUNCTION", "govpath_audit_head_forward"),
    ):
        spec = importlib.util.spec_from_file_location(f"_govpath_{module}", folder / f"{module}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out[name] = getattr(mod, attr).split("$$")[1]
    return out


def guard_problems(conn: Connection) -> list[str]:
    """On PostgreSQL: each trail guard that is missing, disabled, or runs a replaced function."""
    from sqlalchemy import text

    if not backend_of(conn).database_roles:  # only PostgreSQL has the roles these guards serve
        return []
    expected = _installed_bodies()
    rows = {
        r.tgname: r
        for r in conn.execute(
            text(
                "SELECT t.tgname, t.tgenabled, c.relname, p.proname, p.prosrc "
                "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
            )
        )
    }
    found: list[str] = []
    for trigger, (table, function) in GUARDS.items():
        r = rows.get(trigger)
        if r is None:
            found.append(f"the trigger {trigger} on {table} is missing")
            continue
        if r.tgenabled == "D":
            found.append(f"the trigger {trigger} on {table} is disabled")
        if r.proname != function or _body_digest(r.prosrc) != _body_digest(expected[function]):
            found.append(f"the trigger {trigger} runs a replaced function ({r.proname})")
    return found
