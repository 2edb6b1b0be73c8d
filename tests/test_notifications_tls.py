"""SMTP over STARTTLS (with login) and implicit TLS, against aiosmtpd with a test certificate."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from govpath.config import Settings
from govpath.scheduler.sweep import run_sweep
from govpath.store.db import open_db
from tests.scheduler_support import Collector, free_port, london, seed

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


def _context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


def test_starttls_with_login(sqlite_url: str, cert: tuple[Path, Path]) -> None:
    from aiosmtpd.controller import Controller

    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret")

    handler = Collector()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=_context(cert),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    engine = open_db(sqlite_url)
    seed(engine, notices=[("reminder", "director@kent.example", london(2012, 12, 6))])
    base = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="starttls",
        smtp_user="govpath",
        smtp_cafile=str(cert[0]),
        retry_base_seconds=60,
    )
    try:
        sent = run_sweep(
            engine,
            london(2012, 12, 6, 9),
            settings=base.with_(smtp_password="s3cret"),
            digest=False,
        )
        assert sent.delivered == 1 and len(handler.messages) == 1
    finally:
        controller.stop()
    assert logins == [("govpath", "s3cret")]


def test_implicit_tls_and_an_untrusted_certificate_is_refused(
    sqlite_url: str, cert: tuple[Path, Path]
) -> None:
    from aiosmtpd.controller import Controller

    handler = Collector()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=_context(cert),
        server_hostname="localhost",
    )
    controller.start()
    engine = open_db(sqlite_url)
    seed(engine, notices=[("reminder", "director@kent.example", london(2012, 12, 6))])
    base = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="tls", retry_base_seconds=60)
    try:
        untrusted = run_sweep(engine, london(2012, 12, 6, 9), settings=base, digest=False)
        assert untrusted.delivered == 0 and handler.messages == []
        trusted = run_sweep(
            engine,
            london(2012, 12, 6, 10),
            settings=base.with_(smtp_cafile=str(cert[0])),
            digest=False,
        )
        assert trusted.delivered == 1 and len(handler.messages) == 1
    finally:
        controller.stop()
