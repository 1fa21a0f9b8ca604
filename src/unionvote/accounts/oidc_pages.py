"""Signing in with the union's OpenID provider, and linking it from the account page.

Between leaving for the provider and coming back the browser holds `uv_oidc`: the state, nonce and PKCE
verifier, where to go next and, when linking, which login asked for the link, signed with the secret key
(HttpOnly, only sent to the callback, good for ten minutes, used once). The state in the provider's answer
must be the one in this browser's cookie, so an answer started in another browser signs no one in here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.flows import TOO_MANY_MESSAGE, client_ip, start_session
from unionvote.accounts.oidc import CALLBACK_PATH, OidcError, OpenIdProvider, PendingSignIn, new_pending_sign_in
from unionvote.accounts.oidc_links import account_for, link_identity, record_refusal, record_sign_in, unlink_identity
from unionvote.accounts.sessions import COOKIE_NAME
from unionvote.auth import SESSION_ONLY, CurrentUser, public, requires_login
from unionvote.i18n import _
from unionvote.security import token_digest
from unionvote.web import _safe_next, page, see_other

log = logging.getLogger("unionvote.accounts.oidc")

PENDING_COOKIE = "uv_oidc"
PENDING_PATH = "/login/oidc"
PENDING_SECONDS = 600
REFUSALS_AUDITED = frozenset({"not_linked", "inactive", "role_not_allowed"})


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"oidc sign-in pending:{body}".encode(), hashlib.sha256).hexdigest()


def _pending_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(key=PENDING_COOKIE, value=value, path=PENDING_PATH, httponly=True, samesite="lax",
                  secure=request.app.state.settings.cookie_secure, max_age=max_age)


def pending_cookie(request: Request[Any, Any, Any], pending: PendingSignIn, next_path: str, link: str) -> Cookie:
    fields = {"state": pending.state, "nonce": pending.nonce, "verifier": pending.verifier, "next": next_path,
              "link": link, "issued": int(time.time())}
    body = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).decode().rstrip("=")
    return _pending_cookie(request, f"{body}.{_mac(request.app.state.settings.secret_key, body)}", PENDING_SECONDS)


def spent_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return _pending_cookie(request, "", 0)


def read_pending(request: Request[Any, Any, Any], name: str) -> tuple[PendingSignIn, str, str]:
    """The sign-in this browser started: (pending, next path, link) or OidcError."""
    body, _dot, mac = request.cookies.get(PENDING_COOKIE, "").partition(".")
    if not body or not hmac.compare_digest(_mac(request.app.state.settings.secret_key, body), mac):
        raise OidcError("no_pending", _(
            "This browser has no sign-in with %(provider)s under way (it was finished already, or started in "
            "another browser). Nothing was signed in. Start again.") % {"provider": name})
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if time.time() - int(fields["issued"]) > PENDING_SECONDS:
        raise OidcError("pending_expired", _(
            "Signing in with %(provider)s took more than %(minutes)s minutes, so it has expired. Nothing was "
            "signed in. Start again.") % {"provider": name, "minutes": PENDING_SECONDS // 60})
    return (PendingSignIn(fields["state"], fields["nonce"], fields["verifier"]), _safe_next(fields["next"]),
            str(fields["link"]))


def _provider(request: Request[Any, Any, Any]) -> OpenIdProvider:
    provider: OpenIdProvider | None = request.app.state.oidc
    if provider is None:
        raise NotFoundException(_("Signing in with another service is not set up here."))
    return provider


def _problem(request: Request[Any, Any, Any], provider: OpenIdProvider, exc: OidcError, *, linking: bool,
             next_path: str = "/") -> Template:
    log.info("oidc sign-in refused", extra={"reason": exc.reason})
    response = page("accounts/oidc_problem.html", request, status_code=exc.status_code, error=str(exc),
                    provider_name=provider.name, linking=linking, next=next_path)
    response.cookies.append(spent_cookie(request))
    return response


class OidcPages(Controller):
    include_in_schema = False

    @get("/login/oidc", guards=[public])
    async def start(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        provider = _provider(request)
        next_path = _safe_next(str(request.query_params.get("next") or "/"))
        pending = new_pending_sign_in()
        try:
            url = await provider.authorization_url(pending)
        except OidcError as exc:
            return _problem(request, provider, exc, linking=False, next_path=next_path)
        return Redirect(path=url, status_code=303, cookies=[pending_cookie(request, pending, next_path, link="")])

    @post("/account/sign-in-elsewhere", guards=[requires_login], opt=SESSION_ONLY)
    async def start_link(self, request: Request[Any, Any, Any]) -> Template:
        """Linking needs this login (password, and second factor where the account has one) to ask for it.

        The answer is a page with a link onwards, not a redirect: the site's form-action 'self' policy stops a
        browser following a form's redirect to another site."""
        provider = _provider(request)
        pending = new_pending_sign_in()
        try:
            url = await provider.authorization_url(pending)
        except OidcError as exc:
            return _problem(request, provider, exc, linking=True)
        link = token_digest(request.cookies[COOKIE_NAME])
        response = page("accounts/oidc_continue.html", request, provider_name=provider.name, url=url)
        response.cookies.append(pending_cookie(request, pending, "/account", link=link))
        return response

    @post("/account/sign-in-elsewhere/unlink", guards=[requires_login], opt=SESSION_ONLY)
    async def unlink(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        settings = request.app.state.settings
        removed = await unlink_identity(db_session, settings, request.scope["user"].id)
        return see_other("/account?done=oidc-unlinked" if removed else "/account")

    @get(CALLBACK_PATH, guards=[public])
    async def callback(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect | Template:
        provider, settings = _provider(request), request.app.state.settings
        next_path, link = "/", ""
        limiter, address = request.app.state.login_limiter, f"ip:{client_ip(request)}"
        try:
            if await limiter.spent(address):  # failed sign-ins share the password login's budget per address
                raise OidcError("too_many", _(TOO_MANY_MESSAGE), 429)
            pending, next_path, link = read_pending(request, provider.name)
            query = request.query_params
            if not hmac.compare_digest(str(query.get("state", "")), pending.state):
                raise OidcError("state_mismatch", _(
                    "The answer from %(provider)s does not belong to the sign-in this browser started. Nothing "
                    "was signed in. Start again.") % {"provider": provider.name})
            if query.get("error"):
                raise OidcError("provider_refused", _(
                    "%(provider)s did not sign you in (%(error)s). Nothing was signed in.")
                    % {"provider": provider.name, "error": str(query.get("error"))[:60]})
            code = str(query.get("code", ""))
            if not code:
                raise OidcError("no_code", _("The answer from %(provider)s carried no sign-in code. Start again.")
                                % {"provider": provider.name})
            identity = await provider.verified_identity(await provider.exchange_code(code, pending), pending)
            if link:
                return await self._link(request, db_session, provider, identity, link)
            user = await account_for(db_session, settings, identity)
        except OidcError as exc:
            if exc.reason != "too_many":
                await limiter.hit(address)
            if exc.reason in REFUSALS_AUDITED:
                await record_refusal(db_session, exc.reason, exc.user_id)
                await db_session.commit()  # kept although the answer is a refusal
            return _problem(request, provider, exc, linking=bool(link), next_path=next_path)
        provider_said = identity.second_factor_by_provider(settings)
        verified = provider_said or not user.totp_enabled
        await record_sign_in(db_session, user.id,  # type: ignore[arg-type]
                             second_factor="provider" if provider_said and user.totp_enabled
                             else "not needed" if verified else "asked")
        await db_session.commit()  # before the session store writes (SQLite has one writer)
        cookies = await start_session(request, user, mfa_verified=verified)
        target = next_path if verified else f"/login/totp?next={quote(next_path)}"
        return Redirect(path=target, status_code=303, cookies=[*cookies, spent_cookie(request)])

    async def _link(self, request: Request[Any, Any, Any], db: AsyncSession, provider: OpenIdProvider,
                    identity: Any, link: str) -> Redirect:
        user: CurrentUser | None = request.scope.get("user")
        session = request.cookies.get(COOKIE_NAME, "")
        if (user is None or user.needs_second_factor or user.conference_scope is not None or not session
                or not hmac.compare_digest(token_digest(session), link)):
            raise OidcError("link_session_changed", _(
                "You are no longer logged in as the person who asked to link %(provider)s. Nothing was linked. "
                "Log in and try again.") % {"provider": provider.name}, 403)
        await link_identity(db, request.app.state.settings, user.id, identity)
        return Redirect(path="/account?done=oidc-linked", status_code=303, cookies=[spent_cookie(request)])
