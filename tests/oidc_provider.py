"""A small, real OpenID Connect provider on loopback for tests: discovery, authorize, token, JWKS.

It signs ID tokens with its own RSA key (joserfc) and "signs in" whichever e-mail the test sets,
checking the client, the redirect URI and the PKCE verifier the way a real provider does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from tests.scheduler_support import free_port


class Provider:
    def __init__(self, client_id: str = "govpath", client_secret: str = "s3cret") -> None:
        from joserfc.jwk import RSAKey

        self.client_id, self.client_secret = client_id, client_secret
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test", "use": "sig"})
        self.published = self.key  # the key its JWKS publishes (a test can make them differ)
        self.email = "nobody@kent.example"  # who the next sign-in is
        self.codes: dict[str, dict[str, Any]] = {}
        self.server = None

    def app(self):
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse, RedirectResponse
        from starlette.routing import Route

        async def discovery(request):
            return JSONResponse(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": self.issuer + "/authorize",
                    "token_endpoint": self.issuer + "/token",
                    "jwks_uri": self.issuer + "/jwks",
                    "response_types_supported": ["code"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "subject_types_supported": ["public"],
                }
            )

        async def authorize(request):
            q = request.query_params
            if q.get("client_id") != self.client_id or q.get("response_type") != "code":
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "email": self.email,
                "nonce": q.get("nonce"),
                "redirect_uri": q.get("redirect_uri"),
                "challenge": q.get("code_challenge"),
            }
            back = {"code": code, "state": q.get("state", "")}
            return RedirectResponse(q["redirect_uri"] + "?" + urlencode(back), status_code=302)

        async def token(request):
            from joserfc import jwt

            form = await request.form()
            auth = request.headers.get("authorization", "")
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            sent_secret = form.get("client_secret")
            if auth != f"Basic {basic}" and sent_secret != self.client_secret:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.codes.pop(str(form.get("code")), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "sub": grant["email"],
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                "email": grant["email"],
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)
            return JSONResponse(
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "id_token": id_token,
                    "expires_in": 300,
                }
            )

        async def jwks(request):
            return JSONResponse({"keys": [self.published.as_dict(private=False)]})

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
                Route("/jwks", jwks),
            ]
        )

    def start(self) -> Provider:
        import uvicorn

        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        threading.Thread(target=self.server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test OIDC provider did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
