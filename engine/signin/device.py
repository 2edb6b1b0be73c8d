"""OpenID Connect device authorization grant (RFC 8628) for `govpath login`.

The provider's discovery document names its endpoints; the command line asks for a device code,
shows the person where to enter the user code, polls the token endpoint at the interval the
provider sets (slower on ``slow_down``), and reads who signed in from the userinfo endpoint
(over TLS; plain HTTP only to a provider on loopback, for testing).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from govpath.errors import BadInput, Refused

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class DeviceIdentity:
    """Who the provider says signed in."""

    email: str
    issuer: str
    subject: str


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise BadInput(f"the identity provider must be reached over https (not {url}).")


def _call(url: str, form: dict[str, str] | None = None, token: str | None = None) -> dict[str, Any]:
    _check_url(url)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer: dict[str, Any] = json.loads(resp.read().decode("utf-8"))
            return answer
    except urllib.error.HTTPError as exc:  # token errors come as 400 with a JSON body
        try:
            error: dict[str, Any] = json.loads(exc.read().decode("utf-8"))
            return error | {"_status": exc.code}
        except ValueError:
            raise BadInput(f"the identity provider answered {exc.code} at {url}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BadInput(f"cannot reach the identity provider at {url}: {exc}.") from None


def device_login(
    issuer: str,
    client_id: str,
    *,
    announce: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeviceIdentity:
    """Run the device flow against ISSUER; the person approves in a browser elsewhere."""
    if not client_id:
        raise BadInput("set [auth] oidc_client_id (GOVPATH_OIDC_CLIENT_ID) to sign in by OIDC.")
    issuer = issuer.rstrip("/")
    disc = _call(f"{issuer}/.well-known/openid-configuration")
    if disc.get("issuer", "").rstrip("/") != issuer:
        raise BadInput(f"the identity provider at {issuer} names itself {disc.get('issuer')!r}.")
    endpoint = disc.get("device_authorization_endpoint")
    if not endpoint:
        raise BadInput(f"the identity provider at {issuer} offers no device authorization.")
    dev = _call(endpoint, {"client_id": client_id, "scope": "openid email"})
    if "device_code" not in dev or "user_code" not in dev:
        raise BadInput(f"the identity provider refused a device code: {dev.get('error', '?')}.")
    where = dev.get("verification_uri_complete") or dev.get("verification_uri")
    announce(f"To sign in, open {where} and enter the code {dev['user_code']}.")
    interval = float(dev.get("interval", 5))
    give_up = clock() + float(dev.get("expires_in", 600))
    while True:
        if clock() >= give_up:
            raise Refused(
                "the sign-in code expired before it was approved; run `govpath login` again."
            )
        sleep(interval)
        tokens = _call(
            disc["token_endpoint"],
            {"grant_type": GRANT, "device_code": dev["device_code"], "client_id": client_id},
        )
        error = tokens.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error:
            raise Refused(f"the identity provider did not sign you in ({error}).")
        break
    info = _call(disc["userinfo_endpoint"], token=tokens["access_token"])
    email = str(info.get("email", "")).strip().lower()
    if not email or info.get("email_verified") is False or not info.get("sub"):
        raise Refused("the identity provider gave no verified e-mail address for this account.")
    return DeviceIdentity(email, issuer, str(info["sub"]))
