"""OpenID Connect sign-in with the council's identity provider (authlib; any issuer with discovery).

No state is kept in the process: the request's state, nonce, PKCE verifier and where to go next
travel in a short-lived signed cookie, so the callback can land on any copy of the server. The
ID token is checked (signature from the issuer's JWKS, issuer, audience, expiry, nonce) and the
person is matched to a govpath actor by e-mail; someone govpath does not know is refused.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govpath.errors import BadInput
from govpath.store.cache import CACHE
from govpath.web.auth.tokens import mac, new_token, same

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

    from govpath.web.settings import WebSettings

COOKIE = "govpath_oidc"
CALLBACK = "/sign-in/oidc/callback"
FLOW_SECONDS = 600  # the person has ten minutes at their identity provider
DISCOVERY_TTL = 3600.0  # seconds a discovery document is kept (in govpath.store.cache.CACHE)


class OidcRefused(BadInput):
    """Sign-in with the identity provider did not identify a govpath person: nobody signed in."""


def discovery(settings: WebSettings) -> dict[str, Any]:
    """The issuer's ``.well-known/openid-configuration`` (kept for an hour: it is configuration)."""
    import httpx

    issuer = settings.oidc_issuer.rstrip("/")
    found = CACHE.oidc_discovery.get(issuer)
    if found and time.monotonic() - found[0] < DISCOVERY_TTL:
        return found[1]
    try:
        response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        doc: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError):
        raise OidcRefused(
            "The council's sign-in service could not be reached; try again, or use an e-mail link."
        ) from None
    if doc.get("issuer", "").rstrip("/") != issuer:
        raise OidcRefused("The council's sign-in service describes a different issuer.")
    CACHE.oidc_discovery[issuer] = (time.monotonic(), doc)
    return doc


def _client(settings: WebSettings, **extra: Any) -> OAuth2Client:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        scope="openid email profile",
        redirect_uri=settings.base_url + CALLBACK,
        code_challenge_method="S256",
        timeout=10,
        **extra,
    )


def _pack(key: str, data: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    return f"{body}.{mac(key, 'oidc', body)[:32]}"


def _unpack(key: str, value: str | None) -> dict[str, Any] | None:
    if not value or "." not in value:
        return None
    body, _, tag = value.rpartition(".")
    if not same(tag, mac(key, "oidc", body)[:32]):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("exp", 0) > time.time() else None


def start(settings: WebSettings, key: str, target: str) -> tuple[str, str]:
    """Where to send the browser, and the signed cookie that carries the flow's secrets."""
    doc = discovery(settings)
    verifier = new_token() + new_token()
    nonce, state = new_token(), new_token()
    url, _state = _client(settings).create_authorization_url(
        doc["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    flow = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": target,
        "exp": int(time.time()) + FLOW_SECONDS,
    }
    return url, _pack(key, flow)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verified:
    """Who the provider signed in: their e-mail, its account (the ID token's ``iss`` and
    ``sub``), and where they were going."""

    email: str
    issuer: str
    subject: str
    target: str


def finish(settings: WebSettings, key: str, cookie: str | None, params: dict[str, str]) -> Verified:
    """The verified person the provider signed in, and where they were going."""
    flow = _unpack(key, cookie)
    if flow is None or not same(params.get("state", ""), flow["state"]):
        raise OidcRefused("The sign-in took too long or did not start here; please start again.")
    if "error" in params:
        raise OidcRefused("The council's sign-in service did not sign you in; please try again.")
    doc = discovery(settings)
    try:
        token = _client(settings).fetch_token(
            doc["token_endpoint"],
            grant_type="authorization_code",
            code=params.get("code", ""),
            code_verifier=flow["verifier"],
        )
    except Exception:  # an OAuth error, a network error: one sentence, no detail leaked
        raise OidcRefused(
            "The council's sign-in service did not confirm who you are; please try again."
        ) from None
    claims = _verify_id_token(settings, doc, token.get("id_token", ""), flow["nonce"])
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    if "@" not in email:
        raise OidcRefused("Your council account has no e-mail address that govpath can match.")
    return Verified(
        email=email,
        issuer=str(claims.get("iss") or doc["issuer"]),
        subject=str(claims.get("sub") or ""),
        target=flow["next"],
    )


def _verify_id_token(
    settings: WebSettings, doc: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    import httpx
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    refused = OidcRefused(
        "The council's sign-in service sent an identity that could not be checked."
    )
    try:
        keys = KeySet.import_key_set(httpx.get(doc["jwks_uri"], timeout=10).json())
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": doc["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, httpx.HTTPError, ValueError, KeyError):
        raise refused from None
    return dict(token.claims)
