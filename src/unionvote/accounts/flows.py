"""Logging in and out, shared by the pages and the JSON API."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.accounts.services import (
    BAD_LOGIN_MESSAGE,
    LOCKED_MESSAGE,
    AccountError,
    LoginResult,
    check_password,
    check_second_factor,
)
from unionvote.accounts.sessions import COOKIE_NAME
from unionvote.auth import CurrentUser

log = logging.getLogger("unionvote.accounts")

TOO_MANY_MESSAGE = "Too many login attempts from here. Wait a minute and try again."


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def password_step(request: Request[Any, Any, Any], db: AsyncSession, email: str, password: str) -> User:
    """Check the password (rate limited, with lockout). Failed attempts are committed even though we refuse."""
    limiter = request.app.state.login_limiter
    if not await limiter.hit(f"ip:{client_ip(request)}") or not await limiter.hit(f"email:{email.strip().lower()}"):
        raise AccountError(TOO_MANY_MESSAGE, 429)
    outcome = await check_password(db, request.app.state.settings, email, password)
    await db.commit()
    if outcome.result is LoginResult.LOCKED:
        log.info("login refused: account locked")
        raise AccountError(LOCKED_MESSAGE, 403)
    if outcome.result is LoginResult.BAD or outcome.user is None:
        log.info("login failed")
        raise AccountError(BAD_LOGIN_MESSAGE, 400)
    return outcome.user


async def second_factor_step(request: Request[Any, Any, Any], db: AsyncSession, user_id: int, code: str) -> None:
    if not await request.app.state.login_limiter.hit(f"totp:{user_id}"):
        raise AccountError(TOO_MANY_MESSAGE, 429)
    ok = await check_second_factor(db, user_id, code)
    await db.commit()
    if not ok:
        raise AccountError("That code is not right. Enter the newest 6-digit code, or one of your recovery codes.")


async def start_session(request: Request[Any, Any, Any], user: User, *, mfa_verified: bool) -> Cookie:
    """A fresh session id at every login (never reuse the one the browser came with)."""
    store = request.app.state.session_store
    old = request.cookies.get(COOKIE_NAME)
    if old:
        await store.delete(old)
    token = await store.create(user.id, mfa_verified=mfa_verified)  # type: ignore[arg-type]
    log.info("login", extra={"user_id": user.id})
    return session_cookie(request, token)


def session_cookie(request: Request[Any, Any, Any], token: str) -> Cookie:
    settings = request.app.state.settings
    return Cookie(key=COOKIE_NAME, value=token, path="/", httponly=True, samesite="lax",
                  secure=settings.cookie_secure, max_age=settings.session_absolute_hours * 3600)


def expired_cookie(request: Request[Any, Any, Any]) -> Cookie:
    settings = request.app.state.settings
    return Cookie(key=COOKIE_NAME, value="", path="/", httponly=True, samesite="lax",
                  secure=settings.cookie_secure, max_age=0)


async def end_session(request: Request[Any, Any, Any], *, everywhere: bool) -> None:
    store = request.app.state.session_store
    user: CurrentUser | None = request.scope.get("user")
    if everywhere and user is not None:
        await store.delete_for_user(user.id)
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await store.delete(token)


async def rotate_after_password_change(request: Request[Any, Any, Any], db: AsyncSession, user_id: int) -> Cookie:
    """Every other login of the account ends; this browser gets a fresh session, in the same unit of work."""
    store = request.app.state.session_store
    await store.delete_for_user(user_id, db=db)
    return session_cookie(request, await store.create(user_id, mfa_verified=True, db=db))
