"""A stand-in OpenID Connect provider speaking the real protocol over real HTTP, in a thread.

Discovery, /authorize (the person is already signed in at the provider: it answers with a code at once),
/token (client authentication, the code used once, PKCE S256 checked, the redirect URI matched) and a JWKS
with an RS256 key. Tests choose who is signed in there and may have the next ID token go wrong in one way.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "unionvote-test"
CLIENT_SECRET = "a client secret: with odd characters/+="


@dataclass
class Grant:
    claims: dict[str, Any]
    redirect_uri: str
    challenge: str
    used: bool = False


@dataclass
class StandInProvider:
    redirect_uri: str
    person: dict[str, Any] = field(default_factory=dict)  # the claims of whoever is signed in at the provider
    tamper: dict[str, Any] = field(default_factory=dict)  # claims the next ID tokens get instead (aud, nonce, exp)
    foreign_key: bool = False  # sign with a key the JWKS does not publish
    grants: dict[str, Grant] = field(default_factory=dict)
    token_refusals: list[str] = field(default_factory=list)  # the OAuth error of each refused code exchange
    issuer: str = ""

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "stand-in-1", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "stand-in-1", "alg": "RS256"})
        self.lock = threading.Lock()

    def sign_in_as(self, subject: str, email: str | None = None, **claims: Any) -> None:
        self.person = {"sub": subject, **({"email": email, "email_verified": True} if email else {}), **claims}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "auth_time": now,
                  **grant.claims, **self.tamper}
        return jwt.encode({"alg": "RS256", "kid": "stand-in-1"}, claims,
                          self.other_key if self.foreign_key else self.key)


def _handler(provider: StandInProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("cache-control", "no-store")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's spelling
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                base = provider.issuer
                self._json(200, {
                    "issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
                    "jwks_uri": base + "/jwks", "response_types_supported": ["code"],
                    "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "email", "profile"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"]})
            elif url.path == "/jwks":
                self._json(200, KeySet([provider.key]).as_dict(private=False))
            elif url.path == "/authorize":
                self._authorize({k: v[0] for k, v in parse_qs(url.query).items()})
            else:
                self._json(404, {"error": "not_found"})

        def _authorize(self, query: dict[str, str]) -> None:
            wrong = [name for name, ok in (
                ("client_id", query.get("client_id") == CLIENT_ID),
                ("redirect_uri", query.get("redirect_uri") == provider.redirect_uri),
                ("response_type", query.get("response_type") == "code"),
                ("scope", "openid" in query.get("scope", "").split()),
                ("code_challenge_method", query.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(query.get("code_challenge"))),
                ("state", bool(query.get("state"))), ("nonce", bool(query.get("nonce")))) if not ok]
            if wrong:
                self._json(400, {"error": "invalid_request", "error_description": "bad " + ", ".join(wrong)})
                return
            code = secrets.token_urlsafe(24)
            with provider.lock:
                provider.grants[code] = Grant({**provider.person, "nonce": query["nonce"]}, query["redirect_uri"],
                                              query["code_challenge"])
            self.send_response(302)
            self.send_header("location", query["redirect_uri"] + "?" + urlencode({"code": code,
                                                                                 "state": query["state"]}))
            self.send_header("content-length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802 - http.server's spelling
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["content-length"])).decode()).items()}
            error = self._token_problem(form)
            if error is not None:
                provider.token_refusals.append(error)
                self._json(401 if error == "invalid_client" else 400, {"error": error})
                return
            grant = provider.grants[form["code"]]
            self._json(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                             "id_token": provider.id_token(grant)})

        def _token_problem(self, form: dict[str, str]) -> str | None:
            scheme, _, credentials = self.headers.get("authorization", "").partition(" ")
            client_id, _, secret = base64.b64decode(credentials or "").decode().partition(":")
            if scheme.lower() != "basic" or (unquote(client_id), unquote(secret)) != (CLIENT_ID, CLIENT_SECRET):
                return "invalid_client"
            if form.get("grant_type") != "authorization_code":
                return "unsupported_grant_type"
            with provider.lock:  # a code is good once (RFC 6749 4.1.2)
                grant = provider.grants.get(form.get("code", ""))
                if grant is None or grant.used:
                    return "invalid_grant"
                grant.used = True
            if form.get("redirect_uri") != grant.redirect_uri:
                return "invalid_grant"
            if create_s256_code_challenge(form.get("code_verifier", "")) != grant.challenge:
                return "invalid_grant"  # RFC 7636 4.6
            return None

    return Handler


class RunningProvider:
    def __init__(self, provider: StandInProvider) -> None:
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        provider.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="stand-in-oidc", daemon=True)

    def __enter__(self) -> StandInProvider:
        self.thread.start()
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=30)
