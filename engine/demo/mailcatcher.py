"""A real SMTP server on loopback (aiosmtpd) that files every message it receives as an .eml file."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _FolderHandler:
    folder: Path
    count: int = 0
    message_ids: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        msg = message_from_bytes(data, policy=policy.default)
        self.count += 1
        mid = str(msg.get("Message-ID", "")).strip("<>")
        self.message_ids.append(mid)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", mid or f"message-{self.count}")[:120]
        from govpath.safeio import write_private

        write_private(self.folder / f"{self.count:05d}-{stem}.eml", data)
        return "250 Message accepted for delivery"


class MailCatcher:
    """``with MailCatcher(folder) as smtp: smtp.port`` — received mail lands in ``folder``."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.port = port or free_port()
        self.handler = _FolderHandler(self.folder)
        self._controller: Any = None

    def __enter__(self) -> MailCatcher:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            from govpath.errors import BadInput

            raise BadInput(
                "The demo runs its own mail server, which is not installed: "
                "pip install 'govpath[demo]'."
            ) from None

        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> int:
        return self.handler.count
