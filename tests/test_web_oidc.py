"""OpenID Connect sign-in against a small real provider on loopback (discovery, code + PKCE, JWKS)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from govpath.web.app import create_app
from tests.oidc_provider import Provider
from tests.web_support import DIRECTOR, csrf_of, seed_council, web_settings


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def app(sqlite_url: str, provider: Provider):
    seed_council(sqlite_url)
    settings = web_settings(
        sqlite_url,
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_name="Kent account",
    )
    return create_app(settings)


def through_provider(client: TestClient, next_path: str = "/") -> httpx.Response:
    """Press "Sign in with …", let the provider sign in, and come back to the callback."""
    page = client.get("/sign-in")
    assert "Sign in with Kent account" in page.text
    start = client.post(
        "/sign-in/oidc",
        data={"csrf_token": csrf_of(page.text), "next": next_path},
        follow_redirects=False,
    )
    assert start.status_code == 303
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith("http://127.0.0.1:8000/sign-in/oidc/callback?")
    return client.get(back.removeprefix("http://127.0.0.1:8000"), follow_redirects=False)


def test_a_registered_person_signs_in_with_the_identity_provider(app, provider):
    provider.email = DIRECTOR.upper()  # matched by e-mail, whatever its case
    client = TestClient(app)
    done = through_provider(client, "/plans/1")
    assert done.status_code == 303 and done.headers["location"] == "/plans/1"
    assert "govpath_session=" in " ".join(done.headers.get_list("set-cookie"))
    page = client.get("/plans/1")
    assert page.status_code == 200 and "Finance and Procurement" in page.text


def test_what_they_do_records_the_provider_account_they_signed_in_with(
    app, provider, sqlite_url: str
):
    import json

    from sqlalchemy import select

    from govpath.store.db import open_db
    from govpath.store.tables import audit_events
    from tests.web_support import csrf_of as token_of

    provider.email = DIRECTOR
    client = TestClient(app)
    assert through_provider(client, "/plans/1").status_code == 303
    done = client.post(
        "/plans/1/advance/submit_headlines",
        data={
            "csrf_token": token_of(client.get("/plans/1").text),
            "headline_priorities": "https://docs.kent.example/h.docx",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with open_db(sqlite_url).connect() as conn:
        data = conn.execute(
            select(audit_events.c.data).where(audit_events.c.kind == "transition")
        ).scalar_one()
    acting = json.loads(data)["acting"]
    # the account the ID token named at sign-in (the test provider's sub is the e-mail given)
    assert acting == {
        "channel": "web",
        "person": DIRECTOR,
        "issuer": provider.issuer,
        "subject": DIRECTOR,
    }


def test_someone_unknown_to_govpath_is_refused_with_a_sentence(app, provider):
    provider.email = "stranger@kent.example"
    client = TestClient(app)
    done = through_provider(client)
    assert done.status_code == 403
    assert "stranger@kent.example is not registered in govpath" in done.text
    assert "govpath_session=" not in " ".join(done.headers.get_list("set-cookie"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_callback_that_did_not_start_here_is_refused(app, provider):
    provider.email = DIRECTOR
    client = TestClient(app)
    client.get("/sign-in")
    response = client.get("/sign-in/oidc/callback?code=forged&state=forged")
    assert response.status_code == 403 and "did not start here" in response.text


def test_a_token_signed_by_someone_else_is_refused(app, provider):
    from joserfc.jwk import RSAKey

    provider.email = DIRECTOR
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "test"})  # not the published key
    client = TestClient(app)
    done = through_provider(client)
    assert done.status_code == 403 and "could not be checked" in done.text
    assert "govpath_session=" not in " ".join(done.headers.get_list("set-cookie"))
