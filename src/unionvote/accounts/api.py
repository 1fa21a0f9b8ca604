"""The account JSON API: the same actions as the pages, for integrations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts import services
from unionvote.accounts.flows import (
    end_session,
    expired_cookie,
    password_step,
    rotate_after_password_change,
    second_factor_step,
    start_session,
)
from unionvote.accounts.models import User
from unionvote.accounts.schemas import (
    LoginInput,
    NewToken,
    NewTokenOut,
    NewUser,
    PasswordChange,
    RecoveryCodesOut,
    RoleInput,
    RoleOut,
    SessionOut,
    TokenOut,
    TotpCode,
    TotpEnrolment,
    UserOut,
)
from unionvote.accounts.services import AccountError
from unionvote.auth import (
    SESSION_ONLY,
    CurrentUser,
    public,
    requires_admin,
    requires_login,
    requires_login_allow_enrolment,
)
from unionvote.csrf import adopt_session_token
from unionvote.security import totp_uri


async def user_out(db: AsyncSession, user: User) -> UserOut:
    roles = [RoleOut(grant_id=g.id, conference_id=g.conference_id, role=g.role)  # type: ignore[arg-type]
             for g, _ in await services.roles_of(db, user.id)]  # type: ignore[arg-type]
    return UserOut(id=user.id, email=user.email, display_name=user.display_name,  # type: ignore[arg-type]
                   is_admin=user.is_admin, is_active=user.is_active, totp_enabled=user.totp_enabled, roles=roles)


def token_out(token: Any) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix, scopes=token.scopes.split(),
                    created_at=token.created_at, expires_at=token.expires_at, last_used_at=token.last_used_at,
                    revoked_at=token.revoked_at)


class SessionApi(Controller):
    path = "/api/v1/session"
    tags = ["accounts"]

    @post("/", guards=[public], status_code=200, summary="Log in (sets the session cookie)")
    async def log_in(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: LoginInput
                     ) -> Response[SessionOut]:
        user = await password_step(request, db_session, data.email, data.password)
        if user.totp_enabled:
            if not data.totp_code:
                raise AccountError("This account uses two-factor authentication: send totp_code as well.", 401)
            await second_factor_step(request, db_session, user.id, data.totp_code)  # type: ignore[arg-type]
        cookies = await start_session(request, user, mfa_verified=True)
        body = SessionOut(user=await user_out(db_session, user), second_factor_needed=False)
        return Response(body, cookies=cookies)

    @delete("/", guards=[public], status_code=200, summary="Log out this session")
    async def log_out(self, request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        await end_session(request, everywhere=False)
        return Response({"detail": "Logged out."}, cookies=[expired_cookie(request)])

    @delete("/everywhere", guards=[requires_login_allow_enrolment], status_code=200, opt=SESSION_ONLY,
            summary="Log out every session of this account (and end its API tokens)")
    async def log_out_everywhere(self, request: Request[Any, Any, Any], db_session: AsyncSession
                                 ) -> Response[dict[str, str]]:
        await end_session(request, everywhere=True, db=db_session)
        return Response({"detail": "Logged out everywhere."}, cookies=[expired_cookie(request)])


class MeApi(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]

    @get("/", guards=[requires_login_allow_enrolment], summary="The account making the request")
    async def me(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> UserOut:
        return await user_out(db_session, await db_session.get(User, request.scope["user"].id))

    @post("/totp", guards=[requires_login_allow_enrolment], status_code=200, opt=SESSION_ONLY,
          summary="Start two-factor enrolment: a secret for an authenticator app")
    async def start_totp(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> TotpEnrolment:
        user: CurrentUser = request.scope["user"]
        secret = await services.start_totp_enrolment(db_session, request.app.state.settings, user.id)
        return TotpEnrolment(secret=secret, otpauth_uri=totp_uri(secret, user.email))

    @post("/totp/confirm", guards=[requires_login_allow_enrolment], status_code=200, opt=SESSION_ONLY,
          summary="Finish two-factor enrolment with a code; returns recovery codes (shown once)")
    async def confirm_totp(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: TotpCode
                           ) -> Response[RecoveryCodesOut]:
        codes = await services.confirm_totp_enrolment(db_session, request.app.state.settings,
                                                      request.scope["user"].id, data.code)
        token = request.cookies.get("uv_session")
        if not token:
            return Response(RecoveryCodesOut(recovery_codes=codes))
        await request.app.state.session_store.mark_mfa_verified(token, db=db_session)
        return Response(RecoveryCodesOut(recovery_codes=codes), cookies=[adopt_session_token(request, token)])

    @post("/recovery-codes", guards=[requires_login], status_code=200, opt=SESSION_ONLY,
          summary="Replace my recovery codes (the old ones stop working)")
    async def new_recovery_codes(self, request: Request[Any, Any, Any], db_session: AsyncSession
                                 ) -> RecoveryCodesOut:
        return RecoveryCodesOut(recovery_codes=await services.regenerate_recovery_codes(
            db_session, request.scope["user"].id))

    @post("/password", guards=[requires_login], status_code=200, opt=SESSION_ONLY,
          summary="Change my password (ends my other sessions and every API token)")
    async def change_password(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                              data: PasswordChange) -> Response[dict[str, str]]:
        user_id = request.scope["user"].id
        await services.change_password(db_session, user_id, data.current_password, data.new_password)
        cookies = await rotate_after_password_change(request, db_session, user_id)
        return Response({"detail": "Password changed; your other sessions have ended."}, cookies=cookies)

    @get("/tokens", guards=[requires_login], summary="My API tokens")
    async def tokens(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[TokenOut]:
        return [token_out(t) for t in await services.api_tokens_of(db_session, request.scope["user"].id)]

    @post("/tokens", guards=[requires_login], opt=SESSION_ONLY,
          summary="Create an API token (shown once) with scopes and an expiry")
    async def create_token(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: NewToken
                           ) -> NewTokenOut:
        token, plain = await services.create_api_token(db_session, user_id=request.scope["user"].id, name=data.name,
                                                       scopes=data.scopes, days=data.days)
        return NewTokenOut(id=token.id, name=token.name, token=plain, scopes=token.scopes.split(),  # type: ignore[arg-type]
                           expires_at=token.expires_at)

    @delete("/tokens/{token_id:int}", guards=[requires_login], status_code=200, opt=SESSION_ONLY,
            summary="Revoke an API token")
    async def revoke_token(self, request: Request[Any, Any, Any], db_session: AsyncSession, token_id: int
                           ) -> dict[str, str]:
        await services.revoke_api_token(db_session, user_id=request.scope["user"].id, token_id=token_id)
        return {"detail": "Token revoked."}


class UsersApi(Controller):
    path = "/api/v1/users"
    guards = [requires_admin]
    tags = ["accounts"]
    # Making accounts, granting roles and resetting second factors need an administrator's own login.

    @get("/", summary="All accounts")
    async def list_users(self, db_session: AsyncSession) -> list[UserOut]:
        return [await user_out(db_session, u) for u in await services.list_users(db_session)]

    @post("/", summary="Create an account", opt=SESSION_ONLY)
    async def create_user(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: NewUser) -> UserOut:
        me: CurrentUser = request.scope["user"]
        user = await services.create_user(db_session, email=data.email, display_name=data.display_name,
                                          password=data.password, is_admin=data.is_admin, created_by=me.id)
        return await user_out(db_session, user)

    @get("/{user_id:int}", summary="One account")
    async def get_user(self, db_session: AsyncSession, user_id: int) -> UserOut:
        user = await db_session.get(User, user_id)
        if user is None:
            raise AccountError("No such account.", 404)
        return await user_out(db_session, user)

    @post("/{user_id:int}/roles", summary="Grant a conference role", opt=SESSION_ONLY)
    async def grant(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int, data: RoleInput
                    ) -> RoleOut:
        grant = await services.grant_role(db_session, user_id=user_id, conference_id=data.conference_id,
                                          role=data.role, by=request.scope["user"].id)
        return RoleOut(grant_id=grant.id, conference_id=grant.conference_id, role=grant.role)  # type: ignore[arg-type]

    @delete("/{user_id:int}/roles/{grant_id:int}", status_code=200, summary="Revoke a conference role",
            opt=SESSION_ONLY)
    async def revoke(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int, grant_id: int
                     ) -> dict[str, str]:
        await services.revoke_role(db_session, grant_id=grant_id, user_id=user_id, by=request.scope["user"].id)
        return {"detail": "Role revoked."}

    @post("/{user_id:int}/totp-reset", status_code=200, summary="Reset a lost authenticator", opt=SESSION_ONLY)
    async def reset_totp(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int
                         ) -> dict[str, str]:
        await services.reset_totp(db_session, user_id=user_id, by=request.scope["user"].id)
        await request.app.state.session_store.delete_for_user(user_id, db=db_session)
        return {"detail": "Two-factor authentication reset; the account's sessions have ended."}
