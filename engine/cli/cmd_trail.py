"""Commands: audit keygen, audit checkpoint, audit verify (chain, witnessed checkpoints, state)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import groups
from .parse import open_engine, parse_clock

if TYPE_CHECKING:
    from govpath.config import Settings


def _settings() -> Settings:
    from govpath.config import load_settings

    return load_settings()


def _public_key_path(given: Path | None) -> Path:
    from govpath.audit.checkpoints import public_path
    from govpath.errors import BadInput

    if given is not None:
        return given
    s = _settings()
    if s.audit_public_key:
        return Path(s.audit_public_key)
    if s.audit_signing_key:
        pub = public_path(s.audit_signing_key)
        return pub if pub.exists() else Path(s.audit_signing_key)
    raise BadInput(
        "no public key to check checkpoints with: pass --public-key FILE or set "
        "GOVPATH_AUDIT_PUBLIC_KEY ([audit] public_key in govpath.toml)."
    )


@groups.audit.command("keygen")
def audit_keygen(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write a new Ed25519 signing key (0600) to GOVPATH_AUDIT_SIGNING_KEY, its public key beside it.

    Keep the private key outside the database, readable only by the account that signs
    checkpoints; give the .pub file to the auditors. The key's creation is a trail event.

    Example: GOVPATH_AUDIT_SIGNING_KEY=/etc/govpath/audit.key govpath audit keygen
    """
    from govpath.audit.chain import append_event
    from govpath.audit.checkpoints import keygen
    from govpath.errors import BadInput
    from govpath.store.db import utcnow

    from .output import emit_json

    path = _settings().audit_signing_key
    if not path:
        raise BadInput(
            "say where the key goes: set GOVPATH_AUDIT_SIGNING_KEY (or [audit] signing_key in "
            "govpath.toml) to a path outside the database."
        )
    from .identity import who_acts

    engine = open_engine(ctx)
    _who, acting = who_acts(engine, None, admin=True)
    result = keygen(path)
    with engine.begin() as conn:
        append_event(
            conn,
            kind="signing_key_created",
            at=utcnow(),
            actor=acting.who,
            data={"acting": acting.to_json(), "key": result["key_id"]},
        )
    if as_json:
        emit_json(result)
        return
    print(
        f"Wrote signing key {result['key_id']} to {result['private']} (mode 0600) and its "
        f"public key to {result['public']}."
    )


@groups.audit.command("checkpoint")
def audit_checkpoint(
    ctx: typer.Context,
    to: Path = typer.Option(
        None, "--to", metavar="FILE", help="Append the signed checkpoint to this witness file."
    ),
    now: str = typer.Option(None, "--now", metavar="DATETIME", help="The clock (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sign the trail's head, store it, and send it to the witnesses.

    The witnesses are the append-only FILE (one JSON line per checkpoint) and an e-mail, through
    the outbox, to everyone with the auditor or monitoring_officer role.

    Example: govpath audit checkpoint --to /srv/witness/govpath-checkpoints.jsonl
    """
    from govpath.audit.checkpoints import make_checkpoint
    from govpath.store.db import utcnow

    from .identity import who_acts
    from .output import emit_json

    settings = _settings()
    witness = to if to is not None else (settings.audit_witness_file or None)
    engine = open_engine(ctx)
    clock = parse_clock(now)
    _who, acting = who_acts(engine, None, now=clock, admin=True)
    result = make_checkpoint(
        engine,
        settings.audit_signing_key,
        now=clock or utcnow(),
        acting=acting,
        witness_file=witness,
    )
    if as_json:
        emit_json(result)
        return
    where = f"; witnessed in {result['witness_file']}" if result["witness_file"] else ""
    print(
        f"Checkpoint {result['checkpoint']}: seq {result['seq']}, head {result['hash'][:12]}…, "
        f"signed by key {result['key']}{where}; {result['messages']} message(s) to auditors."
    )


@groups.audit.command("verify")
def audit_verify(
    ctx: typer.Context,
    checkpoints: Path = typer.Option(
        None,
        "--checkpoints",
        metavar="FILE",
        help="Check the trail against the signed checkpoints witnessed in FILE.",
    ),
    public_key: Path = typer.Option(
        None,
        "--public-key",
        metavar="FILE",
        help="The checkpoints' public key (default: [audit] public_key, or the signing key's .pub).",
    ),
    state: bool = typer.Option(
        False, "--state", help="Also replay the trail and check plans, deadlines and roles."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check the trail's integrity; exit 0 with the count, or 5 naming the first event that fails.

    With --checkpoints, the trail must still contain every checkpoint signed by the public key,
    and only the events after the newest one are re-hashed; a trail cut back, rebuilt or emptied
    exits 5 naming the first checkpoint it contradicts. With --state, every plan's stage, version
    and fields, every deadline's status and every role must be what the trail says.

    Example: govpath audit verify --checkpoints witness.jsonl --state --json
    """
    from govpath.audit.chain import verify
    from govpath.errors import IntegrityFailure

    from .output import emit_json

    doc: dict[str, Any] = {}
    failures: list[str] = []
    lines: list[str] = []
    with open_engine(ctx).connect() as conn:
        from govpath.store.pg_roles import guard_problems

        guards = guard_problems(conn)
        if guards:
            failures.append(f"The decision trail is unguarded: {'; '.join(guards)}.")
            doc["guards"] = guards
        if checkpoints is not None:
            from govpath.audit.checkpoints import load_public, read_witness, verify_against

            witnessed = read_witness(checkpoints)
            public = load_public(_public_key_path(public_key))
            cp = verify_against(conn, public, witnessed)
            doc |= {**(cp.chain.to_json() if cp.chain else {}), "checkpoints": cp.to_json()}
            if cp.ok:
                lines.append(f"The decision trail agrees with its witnesses: {cp.reason}")
            else:
                failures.append(f"The decision trail does not verify: {cp.reason}")
        else:
            result = verify(conn)
            doc |= result.to_json()
            if result.ok:
                lines.append(f"The decision trail verifies: {result.count} events, chain intact.")
            else:
                failures.append(f"The decision trail does not verify: {result.reason}")
        if state and not failures:
            from govpath.audit.replay import check_state

            found = check_state(conn)
            doc["state"] = {"ok": not found, "disagreements": found}
            if found:
                shown = "; ".join(found[:5]) + (
                    f"; and {len(found) - 5} more" if len(found) > 5 else ""
                )
                failures.append(f"The database disagrees with its trail: {shown}.")
            else:
                lines.append("Plans, deadlines and roles agree with the trail.")
    doc["ok"] = not failures
    if as_json:
        emit_json(doc)
    if failures:
        raise IntegrityFailure(" ".join(failures))
    if not as_json:
        print("\n".join(lines))
