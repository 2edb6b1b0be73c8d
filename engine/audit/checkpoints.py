"""Signed checkpoints of the trail's head, witnessed outside the database, and checks against them.

A checkpoint is an Ed25519 signature over one canonical JSON statement: the last ``seq``, the head
``hash``, the time, the database's identity and the signing key's id. It is stored in the database
and copied to witnesses the database cannot take back: an append-only file (one JSON line each)
and an e-mail to every auditor and monitoring officer. ``verify_against`` needs only the public
key and the witnessed lines: a trail that lost events after a checkpoint, was rebuilt with other
content, or was emptied contradicts the first checkpoint it no longer contains.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govpath.audit.acting import Acting
from govpath.audit.chain import VerifyResult, append_event, canonical_json, verify
from govpath.errors import BadInput
from govpath.store import checkpoints, trail
from govpath.store.facts import database_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from sqlalchemy import Connection, Engine

    from govpath.config import Settings

WITNESS_ROLES = ("auditor", "monitoring_officer")


def _raw_public(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """A short stable name for a public key: the first 16 hex digits of sha256 of its raw bytes."""
    return hashlib.sha256(_raw_public(public)).hexdigest()[:16]


def public_path(private_path: str | Path) -> Path:
    """Where keygen writes the public key beside the private one."""
    return Path(f"{private_path}.pub")


def keygen(path: str | Path) -> dict[str, Any]:
    """Write a new Ed25519 private key to PATH (0600, never over an existing file) and its
    public key to PATH.pub; returns ``{key_id, private, public}``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(
            f"{path} already exists; a signing key is never overwritten (move it away first)."
        ) from None
    except OSError as exc:
        raise BadInput(f"cannot write the signing key to {path}: {exc.strerror}.") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)  # whatever the umask
    pub = key.public_key()
    public_path(path).write_bytes(
        pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return {"key_id": key_id(pub), "private": str(path), "public": str(public_path(path))}


def load_private(path: str | Path) -> Ed25519PrivateKey:
    """The signing key at PATH; a clear error when it is missing, unreadable or not Ed25519."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not str(path):
        raise BadInput(
            "no signing key is configured: set GOVPATH_AUDIT_SIGNING_KEY (or [audit] signing_key "
            "in govpath.toml) and run `govpath audit keygen`."
        )
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise BadInput(f"no signing key at {path}: run `govpath audit keygen` first.") from None
    except (OSError, ValueError, TypeError):
        raise BadInput(f"{path} is not a readable PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(f"{path} is not an Ed25519 key.")
    return key


def load_public(path: str | Path) -> Ed25519PublicKey:
    """The public key at PATH (a PEM public key, or the private key it belongs to)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the public key {path}: {exc.strerror}.") from None
    try:
        if b"PRIVATE KEY" in data:
            key: Any = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise BadInput(f"{path} is not a PEM Ed25519 public key.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput(f"{path} is not an Ed25519 key.")
    return key


def _witness_line(cp_id: int, statement: str, signature: str) -> str:
    return canonical_json({"checkpoint": cp_id, "signature": signature, "statement": statement})


def _append_witness(path: str | Path, line: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise BadInput(
            f"the checkpoint was stored, but the witness file {path} could not be written: "
            f"{exc.strerror}."
        ) from None


def _witness_messages(conn: Connection, cp_id: int, line: str, seq: int, now: dt.datetime) -> int:
    """One outbox message per auditor and monitoring officer, carrying the signed checkpoint."""
    from govpath.notifications.message import message_id
    from govpath.scheduler.outbox import insert_messages

    people = checkpoints.people_with_roles(conn, WITNESS_ROLES)
    rows = []
    for email in people:
        key = f"||checkpoint|{email}|{cp_id}"
        rows.append(
            {
                "key": key,
                "message_id": message_id(key),
                "kind": "checkpoint",
                "recipient": email,
                "subject": f"Decision trail checkpoint {cp_id}: {seq} events",
                "body_text": (
                    "govpath signed a checkpoint of the decision trail. Keep this message: it is\n"
                    "a witness the database cannot take back. To check the trail against it,\n"
                    "save the line below into a file and run\n"
                    "`govpath audit verify --checkpoints FILE`.\n\n"
                    f"{line}\n"
                ),
                "due_at": now,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return insert_messages(conn, rows)


def make_checkpoint(
    engine: Engine,
    signing_key: str | Path,
    *,
    now: dt.datetime,
    acting: Acting | None = None,
    witness_file: str | Path | None = None,
) -> dict[str, Any]:
    """Sign the trail's head and store it, in one transaction with its own trail event and the
    auditors' messages; then append it to WITNESS_FILE. Returns the checkpoint as JSON."""
    key = load_private(signing_key)
    kid = key_id(key.public_key())
    acting = acting or Acting.cli()
    at = now.astimezone(dt.UTC)
    with engine.begin() as conn:
        append_event(
            conn,
            kind="checkpoint",
            at=at,
            actor=acting.who,
            data={"acting": acting.to_json(), "key": kid},
        )
        head = trail.read_head(conn)
        if head is None:
            raise LookupError("the trail has no chain head: the database was not initialised")
        statement = canonical_json(
            {
                "at": at.isoformat(timespec="microseconds"),
                "database": database_id(conn),
                "hash": head.hash,
                "key": kid,
                "seq": int(head.seq),
                "v": 1,
            }
        )
        signature = base64.b64encode(key.sign(statement.encode("utf-8"))).decode("ascii")
        cp_id = checkpoints.insert_checkpoint(
            conn,
            seq=head.seq,
            hash=head.hash,
            at=at,
            database_id=database_id(conn),
            key_id=kid,
            statement=statement,
            signature=signature,
        )
        line = _witness_line(cp_id, statement, signature)
        messages = _witness_messages(conn, cp_id, line, head.seq, at)
    if witness_file:
        _append_witness(witness_file, line)
    return {
        "checkpoint": cp_id,
        "seq": head.seq,
        "hash": head.hash,
        "at": at.isoformat(),
        "key": kid,
        "witness_file": str(witness_file) if witness_file else None,
        "messages": messages,
        "line": line,
    }


def daily_checkpoint(engine: Engine, settings: Settings, now: dt.datetime) -> dict[str, Any] | None:
    """The scheduler's daily job: one checkpoint per UTC day when a signing key is configured
    (witnessed in ``[audit] witness_file`` if set); None when there is nothing to do."""
    if not settings.audit_signing_key:
        return None
    at = now.astimezone(dt.UTC)
    day_start = dt.datetime.combine(at.date(), dt.time(), tzinfo=dt.UTC)
    with engine.connect() as conn:
        done = checkpoints.checkpoints_since(conn, day_start)
    if done:
        return None
    return make_checkpoint(
        engine,
        settings.audit_signing_key,
        now=at,
        acting=Acting.scheduler(),
        witness_file=settings.audit_witness_file or None,
    )


@dataclass(frozen=True)
class Witnessed:
    """One checkpoint as a witness holds it: its number, the signed statement and signature."""

    number: int
    statement: str
    signature: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        f = self.fields
        return f"checkpoint {self.number} (seq {f.get('seq')}, signed {f.get('at', '?')[:19]}Z)"


def read_witness(path: str | Path) -> list[Witnessed]:
    """The checkpoints in a witness file (one JSON line each); bad input if none can be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot read the checkpoints file {path}: {exc.strerror}.") from None
    out: list[Witnessed] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            statement, signature = doc["statement"], doc["signature"]
            fields = json.loads(statement)
            out.append(Witnessed(int(doc.get("checkpoint", lineno)), statement, signature, fields))
        except (ValueError, KeyError, TypeError):
            raise BadInput(f"{path}:{lineno}: not a govpath checkpoint line.") from None
    if not out:
        raise BadInput(f"{path} holds no checkpoint: run `govpath audit checkpoint --to {path}`.")
    return out


@dataclass
class CheckpointResult:
    """What verifying against witnessed checkpoints found."""

    ok: bool
    reason: str
    checkpoints: int = 0  # trusted checkpoints checked
    untrusted: list[str] = field(default_factory=list)
    contradicted: str | None = None
    chain: VerifyResult | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "checkpoints": self.checkpoints,
            "untrusted": self.untrusted,
            "contradicted": self.contradicted,
            "chain": self.chain.to_json() if self.chain else None,
        }


def _signed_by(public: Ed25519PublicKey, w: Witnessed) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(base64.b64decode(w.signature, validate=True), w.statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_against(
    conn: Connection, public: Ed25519PublicKey, witnessed: list[Witnessed]
) -> CheckpointResult:
    """Check the trail against the checkpoints PUBLIC signed, oldest first; then the chain from
    the newest one onwards (what came before it is vouched for by its witnessed hash)."""
    kid = key_id(public)
    trusted: list[Witnessed] = []
    untrusted: list[str] = []
    for w in witnessed:
        if w.fields.get("key") == kid and _signed_by(public, w):
            trusted.append(w)
        else:
            untrusted.append(f"{w.name}: not signed by key {kid}")
    if not trusted:
        return CheckpointResult(
            False,
            f"none of the {len(witnessed)} checkpoint(s) is signed by key {kid}: "
            "the witness file or the public key is not this trail's.",
            untrusted=untrusted,
        )
    trusted.sort(key=lambda w: (int(w.fields["seq"]), w.number))
    here = database_id(conn)
    seqs = sorted({int(w.fields["seq"]) for w in trusted})
    stored = trail.hashes_at(conn, seqs)
    last = trail.last_seq(conn)

    def contradicted(w: Witnessed, why: str) -> CheckpointResult:
        return CheckpointResult(
            False,
            f"the trail contradicts {w.name}: {why}",
            len(trusted),
            untrusted,
            contradicted=w.name,
        )

    for w in trusted:
        seq, witnessed_hash = int(w.fields["seq"]), w.fields["hash"]
        if w.fields.get("database") != here:
            return contradicted(
                w, f"it was signed for database {w.fields.get('database')}, this one is {here}."
            )
        if seq not in stored:
            if last == 0:
                why = (
                    f"the trail is empty, but it held {seq} events when the checkpoint was signed."
                )
            else:
                why = (
                    f"the trail now ends at seq {last}; events up to seq {seq} were witnessed, "
                    "so events were removed."
                )
            return contradicted(w, why)
        if stored[seq] != witnessed_hash:
            return contradicted(
                w,
                f"event seq {seq} now hashes to {stored[seq][:12]}…, the witnessed head was "
                f"{witnessed_hash[:12]}…: the trail up to it was rewritten and re-hashed.",
            )
    newest = trusted[-1]
    chain = verify(conn, after=(int(newest.fields["seq"]), newest.fields["hash"]))
    if not chain.ok:
        return CheckpointResult(
            False,
            f"after {newest.name}: {chain.reason}",
            len(trusted),
            untrusted,
            chain=chain,
        )
    return CheckpointResult(
        True,
        f"{len(trusted)} checkpoint(s) hold; {chain.count} events, "
        f"{chain.count - int(newest.fields['seq'])} re-hashed after {newest.name}.",
        len(trusted),
        untrusted,
        chain=chain,
    )
