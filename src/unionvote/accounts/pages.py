"""Account pages: log in, the two-factor challenge and enrolment, the account page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts import services
from unionvote.accounts.flows import (
    end_session,
    expired_cookie,
    logged_in_cookies,
    password_step,
    rotate_after_password_change,
    second_factor_step,
    start_session,
)
from unionvote.accounts.models import ROLE_LABELS
from unionvote.accounts.oidc_links import linked_identity
from unionvote.accounts.services import AccountError
from unionvote.auth import (
    SESSION_ONLY,
    CurrentUser,
    public,
    requires_login,
    requires_login_allow_enrolment,
    requires_password_step,
)
from unionvote.csrf import adopt_session_token
from unionvote.i18n import LANGUAGE_COOKIE, N_, _
from unionvote.security import totp_qr_svg, totp_uri
from unionvote.web import _safe_next, page, see_other


def _days(raw: Any) -> int:
    try:
        return int(str(raw or services.DEFAULT_TOKEN_DAYS))
    except ValueError as exc:
        raise AccountError(_("Choose how many days the token lasts.")) from exc


def _next(request: Request[Any, Any, Any], form: Any = None) -> str:
    raw = (form.get("next") if form is not None else None) or request.query_params.get("next") or "/"
    return _safe_next(str(raw))


class LoginPages(Controller):
    include_in_schema = False

    @get("/login", guards=[public])
    async def login_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user: CurrentUser | None = request.scope.get("user")
        if user is not None and not user.needs_second_factor and user.conference_scope is None:
            return see_other(_next(request))  # a voting-code login may still log in fully
        return page("accounts/login.html", request, next=_next(request), email="")

    @post("/login", guards=[public])
    async def login(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = await request.form()
        email, password, next_path = str(form.get("email", "")), str(form.get("password", "")), _next(request, form)
        try:
            user = await password_step(request, db_session, email, password)
        except AccountError as exc:
            return page("accounts/login.html", request, status_code=exc.status_code, error=str(exc),
                        next=next_path, email=email)
        cookies = await start_session(request, user, mfa_verified=not user.totp_enabled)
        target = f"/login/totp?next={quote(next_path)}" if user.totp_enabled else next_path
        return Redirect(path=target, status_code=303, cookies=cookies)

    @get("/login/totp", guards=[requires_password_step])
    async def totp_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        if not request.scope["user"].needs_second_factor:
            return see_other(_next(request))
        return page("accounts/totp_challenge.html", request, next=_next(request))

    @post("/login/totp", guards=[requires_password_step])
    async def totp_check(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = await request.form()
        user: CurrentUser = request.scope["user"]
        try:
            await second_factor_step(request, db_session, user.id, str(form.get("code", "")))
        except AccountError as exc:
            return page("accounts/totp_challenge.html", request, status_code=exc.status_code, error=str(exc),
                        next=_next(request, form))
        session_token = request.cookies["uv_session"]
        await request.app.state.session_store.mark_mfa_verified(session_token)
        return Redirect(path=_next(request, form), status_code=303,
                        cookies=logged_in_cookies(request, user.id, session_token))

    @post("/logout", guards=[public])
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        await end_session(request, everywhere=False)
        return Redirect(path="/login?done=logged-out", status_code=303, cookies=[expired_cookie(request)])

    @post("/logout/everywhere", guards=[requires_login_allow_enrolment], opt=SESSION_ONLY)
    async def logout_everywhere(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        await end_session(request, everywhere=True, db=db_session)
        return Redirect(path="/login?done=logged-out-everywhere", status_code=303, cookies=[expired_cookie(request)])


class AccountPages(Controller):
    path = "/account"
    include_in_schema = False
    opt = SESSION_ONLY  # an API token never reaches the account's own credentials

    @get("/", guards=[requires_login_allow_enrolment])
    async def account(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        user: CurrentUser = request.scope["user"]
        return page("accounts/account.html", request,
                    roles=await services.roles_of(db_session, user.id),
                    tokens=await services.api_tokens_of(db_session, user.id),
                    codes_left=await services.unused_recovery_codes(db_session, user.id),
                    oidc_link=await linked_identity(db_session, request.app.state.settings, user.id),
                    role_labels=ROLE_LABELS)

    @get("/totp", guards=[requires_login_allow_enrolment])
    async def totp_enrol_form(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        user: CurrentUser = request.scope["user"]
        if user.totp_enabled:
            return see_other("/account")
        secret = await services.start_totp_enrolment(db_session, request.app.state.settings, user.id)
        uri = totp_uri(secret, user.email)
        return page("accounts/totp_enrol.html", request, secret=secret, qr_svg=totp_qr_svg(uri))

    @post("/totp", guards=[requires_login_allow_enrolment])
    async def totp_enrol(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        user: CurrentUser = request.scope["user"]
        form = await request.form()
        try:
            codes = await services.confirm_totp_enrolment(db_session, request.app.state.settings, user.id,
                                                          str(form.get("code", "")))
        except AccountError as exc:
            secret = await services.start_totp_enrolment(db_session, request.app.state.settings, user.id)
            return page("accounts/totp_enrol.html", request, status_code=exc.status_code, error=str(exc),
                        secret=secret, qr_svg=totp_qr_svg(totp_uri(secret, user.email)))
        await request.app.state.session_store.mark_mfa_verified(request.cookies["uv_session"], db=db_session)
        csrf = adopt_session_token(request, request.cookies["uv_session"])
        response = page("accounts/recovery_codes.html", request, codes=codes,
                        notice=N_("Two-factor authentication is on."))
        response.cookies.append(csrf)
        return response

    @post("/recovery-codes", guards=[requires_login])
    async def new_recovery_codes(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        codes = await services.regenerate_recovery_codes(db_session, request.scope["user"].id)
        return page("accounts/recovery_codes.html", request, codes=codes,
                    notice=N_("New recovery codes have been made. The old ones no longer work."))

    @post("/password", guards=[requires_login])
    async def change_password(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        user: CurrentUser = request.scope["user"]
        form = await request.form()
        try:
            await services.change_password(db_session, user.id, str(form.get("current_password", "")),
                                           str(form.get("new_password", "")))
        except AccountError as exc:
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back="/account")
        cookies = await rotate_after_password_change(request, db_session, user.id)
        return Redirect(path="/account?done=password-changed", status_code=303, cookies=cookies)

    @post("/language", guards=[requires_login_allow_enrolment])
    async def choose_language(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Response[Any]:
        """The account's own language: it follows the person to every device they sign in on."""
        form = await request.form()
        try:
            await services.set_language(db_session, request.scope["user"].id, str(form.get("language", "")))
        except AccountError as exc:
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back="/account")
        # The switch's cookie would otherwise go on overriding the profile on this device.
        return Redirect(path="/account?done=language-saved", status_code=303,
                        cookies=[Cookie(key=LANGUAGE_COOKIE, value="", max_age=0, path="/")])

    @post("/tokens", guards=[requires_login])
    async def create_token(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        form = await request.form()
        try:
            token, plain = await services.create_api_token(
                db_session, user_id=request.scope["user"].id, name=str(form.get("name", "")),
                scopes=[str(s) for s in form.getall("scopes", [])],
                days=_days(form.get("days")))
        except AccountError as exc:
            return page("errors/error.html", request, status_code=exc.status_code, status=exc.status_code,
                        detail=str(exc), back="/account")
        return page("accounts/token_created.html", request, token=token, plain=plain)

    @post("/tokens/{token_id:int}/revoke", guards=[requires_login])
    async def revoke_token(self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int) -> Redirect:
        await services.revoke_api_token(db_session, user_id=request.scope["user"].id, token_id=token_id)
        return see_other("/account?done=token-revoked")
