"""Deliver messages over one SMTP connection per batch (aiosmtplib), or as .eml files (no host).

Each message ends as an :class:`Outcome`: sent, a temporary failure (4xx reply, connection
refused or dropped: try again later) or a permanent one (5xx reply: give up).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from govpath.notifications.message import file_stem

if TYPE_CHECKING:
    from govpath.config import Settings


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go: its outbox id and key, and the e-mail itself."""

    id: int
    key: str
    message: EmailMessage


@dataclass(frozen=True)
class Outcome:
    """What happened to one message."""

    id: int
    ok: bool
    temporary: bool = False
    error: str = ""
    where: str = ""  # the file written, for the .eml transport


OnResult = Callable[[Outcome], None]
# Asked just before each message is handed over: False drops it (the caller records why).
Ready = Callable[[Outgoing], bool]


class FileTransport:
    """Writes each message to ``MAIL_DIR/<name from its key>.eml`` atomically (same on a retry)."""

    def __init__(self, mail_dir: str | Path) -> None:
        self.mail_dir = Path(mail_dir)

    def send_batch(
        self, batch: Sequence[Outgoing], on_result: OnResult, ready: Ready | None = None
    ) -> None:
        from govpath.safeio import clean_stale_temporaries

        try:
            self.mail_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            clean_stale_temporaries(self.mail_dir)  # left by a process that was killed
        except OSError as exc:
            for item in batch:
                on_result(
                    Outcome(
                        item.id,
                        ok=False,
                        temporary=True,
                        error=f"cannot create {self.mail_dir}: {exc.strerror}",
                    )
                )
            return
        for item in batch:
            if ready is not None and not ready(item):
                continue
            target = self.mail_dir / f"{file_stem(item.key)}.eml"
            try:
                fd, tmp = tempfile.mkstemp(dir=self.mail_dir, prefix=".tmp-", suffix=".eml")
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(item.message.as_bytes())
                        fh.flush()
                        os.fsync(fh.fileno())
                    os.replace(tmp, target)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            except OSError as exc:
                on_result(
                    Outcome(
                        item.id,
                        ok=False,
                        temporary=True,
                        error=f"cannot write {target}: {exc.strerror}",
                    )
                )
                continue
            on_result(Outcome(item.id, ok=True, where=str(target)))


class SmtpTransport:
    """Sends a batch over one SMTP connection: plain, STARTTLS or implicit TLS, optional login."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: str = "none",
        user: str = "",
        password: str = "",
        timeout: float = 30.0,
        validate_certs: bool = True,
        cafile: str = "",
        allow_plain_auth: bool = False,
    ) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.allow_plain_auth = allow_plain_auth
        self.user, self.password, self.timeout = user, password, timeout
        self.validate_certs = validate_certs
        self.cafile = cafile

    def send_batch(
        self, batch: Sequence[Outgoing], on_result: OnResult, ready: Ready | None = None
    ) -> None:
        if batch:
            asyncio.run(self._send(batch, on_result, ready))

    async def _send(
        self, batch: Sequence[Outgoing], on_result: OnResult, ready: Ready | None = None
    ) -> None:
        import aiosmtplib

        if self.user and self.tls == "none" and not self.allow_plain_auth:
            # Never send a password in clear text unless the settings say so explicitly.
            reason = (
                f"refused to log in to {self.host}:{self.port} over an unencrypted connection; "
                "set GOVPATH_SMTP_TLS to starttls or tls (or GOVPATH_SMTP_ALLOW_PLAIN_AUTH=yes "
                "to allow it)"
            )
            for item in batch:
                on_result(Outcome(item.id, ok=False, temporary=True, error=reason))
            return
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",
            username=self.user or None,
            password=self.password or None,
            timeout=self.timeout,
            validate_certs=self.validate_certs,
            cert_bundle=self.cafile or None,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            # A 5xx reply here (535: the login was refused) is permanent: the server's words
            # stay on the message for `outbox list` and the policy team's digest.
            reason = f"cannot connect to {self.host}:{self.port}: {_describe(exc)}"
            temporary = _temporary(exc)
            for item in batch:
                on_result(Outcome(item.id, ok=False, temporary=temporary, error=reason))
            return
        try:
            for n, item in enumerate(batch):
                if ready is not None and not ready(item):
                    continue
                try:
                    await client.send_message(item.message)
                except aiosmtplib.SMTPServerDisconnected as exc:
                    # The connection is gone: this and the rest wait for the next sweep.
                    reason = f"connection lost: {_describe(exc)}"
                    for rest in batch[n:]:
                        on_result(Outcome(rest.id, ok=False, temporary=True, error=reason))
                    return
                except (aiosmtplib.SMTPException, OSError) as exc:
                    on_result(
                        Outcome(item.id, ok=False, temporary=_temporary(exc), error=_describe(exc))
                    )
                    if isinstance(exc, OSError | aiosmtplib.SMTPTimeoutError):
                        for rest in batch[n + 1 :]:
                            on_result(
                                Outcome(rest.id, ok=False, temporary=True, error=_describe(exc))
                            )
                        return
                    continue
                on_result(Outcome(item.id, ok=True))
        finally:
            try:
                await client.quit()
            except Exception:
                client.close()


def _temporary(exc: BaseException) -> bool:
    """4xx replies and network trouble are temporary; 5xx replies are permanent."""
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return any(400 <= c < 500 for c in codes) or not codes
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return not 500 <= exc.code < 600
    return True


def _describe(exc: BaseException) -> str:
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(f"{r.recipient} refused: {r.code} {r.message}" for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


def transport_for(settings: Settings) -> FileTransport | SmtpTransport:
    """SMTP when a host is configured, else .eml files in the mail folder."""
    if not settings.smtp_host:
        return FileTransport(settings.mail_dir)
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
        cafile=settings.smtp_cafile,
        allow_plain_auth=settings.plain_auth_allowed,
    )
