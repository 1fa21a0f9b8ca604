"""CSRF protection tied to the login session.

Litestar's double-submit check compares the uv_csrf cookie with the token a form or htmx request
sends. On its own, a token planted in a browser (a cookie written from a sibling subdomain) would
pass it. So once a browser holds a session, its CSRF token must be the one derived from that session:
token = HMAC-SHA256(secret key, "csrf for session:" + SHA-256 of the session token) as 64 hex digits,
followed by Litestar's own HMAC of it. A completed login (password, and second factor where the
account has one) and a password change hand the browser the matching token, so it is renewed at
login; a page view re-issues it if the browser still holds an older one; a state-changing request
of a logged-in session with a token from anywhere else is refused. Between the password and the
second factor the token from before login still serves, for the second-factor form.
API-token requests carry no ambient credential and skip the check.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_hash
from litestar.types import Message, Receive, Scope, Send
from litestar.types.empty import Empty
from litestar.utils.scope.state import ScopeState

from unionvote.accounts.sessions import COOKIE_NAME
from unionvote.config import Settings
from unionvote.security import token_digest

CSRF_COOKIE = "uv_csrf"


def session_csrf_token(secret: str, session_token: str) -> str:
    token = hmac.new(secret.encode(), f"csrf for session:{token_digest(session_token)}".encode(),
                     hashlib.sha256).hexdigest()
    return token + generate_csrf_hash(token=token, secret=secret)


def csrf_cookie(settings: Settings, session_token: str) -> Cookie:
    """The uv_csrf cookie for a session (the same attributes as the CSRF middleware's own)."""
    return Cookie(key=CSRF_COOKIE, value=session_csrf_token(settings.secret_key, session_token), path="/",
                  secure=settings.cookie_secure, httponly=False, samesite="lax")


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, item = part.strip().partition("=")
                jar.setdefault(key, item)
    return jar


class SessionBoundCSRF(CSRFMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if dict(headers).get(b"authorization", b"")[:7].lower() == b"bearer ":
            await self.app(scope, receive, send)
            return
        secret, name = self.config.secret, self.config.cookie_name
        jar = _cookies(headers)
        session, auth = jar.get(COOKIE_NAME), scope.get("auth")
        if not (session and auth is not None and auth.mfa_verified):
            await super().__call__(scope, receive, send)
            return
        bound = session_csrf_token(secret, session)
        if jar.get(name) == bound:
            await super().__call__(scope, receive, send)
            return
        if scope["method"] not in self.config.safe_methods:
            raise PermissionDeniedException("CSRF token verification failed")
        # A page view: carry on with the session's token and hand it to the browser.
        jar[name] = bound
        scope["headers"] = [(k, v) for k, v in headers if k != b"cookie"] + [
            (b"cookie", "; ".join(f"{k}={v}" for k, v in jar.items()).encode("latin-1"))]
        state = ScopeState.from_scope(scope)
        state.cookies = state.headers = Empty  # parsed again from the new header
        cookie = Cookie(key=name, value=bound, path=self.config.cookie_path, secure=self.config.cookie_secure,
                        httponly=self.config.cookie_httponly, samesite=self.config.cookie_samesite,
                        domain=self.config.cookie_domain).to_header(header="").encode("latin-1")

        async def reissuing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await super().__call__(scope, receive, reissuing_send)


def adopt_session_token(request: Request[Any, Any, Any], session_token: str) -> Cookie:
    """The session just passed its second factor: forms on the page now rendered carry the session's
    own token, and the returned cookie hands it to the browser."""
    cookie = csrf_cookie(request.app.state.settings, session_token)
    ScopeState.from_scope(request.scope).csrf_token = cookie.value
    return cookie
