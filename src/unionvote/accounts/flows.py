"""Logging in and out, shared by the pages and the JSON API."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import datetime
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
    revoke_all_api_tokens,
)
from unionvote.accounts.sessions import COOKIE_NAME
from unionvote.auth import CurrentUser
from unionvote.csrf import csrf_cookie
from unionvote.i18n import N_, _

log = logging.getLogger("unionvote.accounts")

TOO_MANY_MESSAGE = N_("Too many login attempts from here. Wait a minute and try again.")


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


DEVICE_COOKIE = "uv_device"
DEVICE_DAYS = 180


def _device_mac(secret_key: str, user_id: int, issued: int) -> str:
    return hmac.new(secret_key.encode(), f"known device:{user_id}:{issued}".encode(), hashlib.sha256).hexdigest()


def device_cookie(request: Request[Any, Any, Any], user_id: int) -> Cookie:
    """Set at each full login: this browser has logged in to this account before (no secret in it)."""
    settings = request.app.state.settings
    issued = int(time.time())
    return Cookie(key=DEVICE_COOKIE, value=f"{user_id}.{issued}.{_device_mac(settings.secret_key, user_id, issued)}",
                  path="/", httponly=True, samesite="lax", secure=settings.cookie_secure,
                  max_age=DEVICE_DAYS * 86400)


def known_device_of(request: Request[Any, Any, Any]) -> int | None:
    """The account this browser's device cookie vouches for, if the cookie is genuine and recent."""
    user_id, _, rest = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    issued, _, mac = rest.partition(".")
    if not (user_id.isdigit() and issued.isdigit()) or time.time() - int(issued) > DEVICE_DAYS * 86400:
        return None
    expected = _device_mac(request.app.state.settings.secret_key, int(user_id), int(issued))
    return int(user_id) if hmac.compare_digest(expected, mac) else None


def _lock_message(until: datetime | None, base: str) -> str:
    if until is None:
        return _(base)
    return _("%(reason)s (until %(time)s UTC)") % {"reason": _(base), "time": f"{until:%H:%M}"}


async def password_step(request: Request[Any, Any, Any], db: AsyncSession, email: str, password: str) -> User:
    """Check the password (rate limited, with lockout). Failed attempts are committed even though we refuse.

    Only failures count against the address's and the email's budgets, so a workplace whose people all
    log in from one address at nine o'clock is not slowed, while guessing still is."""
    limiter = request.app.state.login_limiter
    keys = (f"ip:{client_ip(request)}", f"email:{email.strip().lower()[:320]}")
    if any([await limiter.spent(key) for key in keys]):
        raise AccountError(_(TOO_MANY_MESSAGE), 429)
    outcome = await check_password(db, request.app.state.settings, email, password,
                                   known_device_of=known_device_of(request))
    await db.commit()
    if outcome.result is not LoginResult.OK:
        for key in keys:
            await limiter.hit(key)
    if outcome.result is LoginResult.LOCKED:
        log.info("login refused: account locked")
        raise AccountError(_lock_message(outcome.locked_until, LOCKED_MESSAGE), 403)
    if outcome.result is LoginResult.BAD or outcome.user is None:
        log.info("login failed")
        raise AccountError(_(BAD_LOGIN_MESSAGE), 400)
    return outcome.user


SECOND_FACTOR_LOCKED_MESSAGE = N_("Too many wrong codes: codes from your authenticator app are refused for a while. "
                                  "One of your recovery codes still works")


async def second_factor_step(request: Request[Any, Any, Any], db: AsyncSession, user_id: int, code: str) -> None:
    if not await request.app.state.login_limiter.hit(f"totp:{user_id}"):
        raise AccountError(_(TOO_MANY_MESSAGE), 429)
    outcome = await check_second_factor(db, request.app.state.settings, user_id, code)
    await db.commit()
    if outcome.result is LoginResult.LOCKED:
        raise AccountError(_lock_message(outcome.locked_until, SECOND_FACTOR_LOCKED_MESSAGE) + ".", 403)
    if outcome.result is not LoginResult.OK:
        raise AccountError(_("That code is not right, or was used already. Enter the newest 6-digit code, "
                             "or one of your recovery codes."))


async def start_session(request: Request[Any, Any, Any], user: User, *, mfa_verified: bool) -> list[Cookie]:
    """A fresh session id at every login (never reuse the one the browser came with); once the login is
    complete, this browser is remembered as a known device of the account."""
    store = request.app.state.session_store
    old = request.cookies.get(COOKIE_NAME)
    if old:
        await store.delete(old)
    token = await store.create(user.id, mfa_verified=mfa_verified)  # type: ignore[arg-type]
    log.info("login", extra={"user_id": user.id})
    cookies = [session_cookie(request, token)]
    if mfa_verified:
        cookies += logged_in_cookies(request, user.id, token)  # type: ignore[arg-type]
    return cookies


def logged_in_cookies(request: Request[Any, Any, Any], user_id: int, session_token: str) -> list[Cookie]:
    """Once a login is complete: a CSRF token of this session's own, and the known-device mark."""
    return [csrf_cookie(request.app.state.settings, session_token), device_cookie(request, user_id)]


def session_cookie(request: Request[Any, Any, Any], token: str) -> Cookie:
    settings = request.app.state.settings
    return Cookie(key=COOKIE_NAME, value=token, path="/", httponly=True, samesite="lax",
                  secure=settings.cookie_secure, max_age=settings.session_absolute_hours * 3600)


def expired_cookie(request: Request[Any, Any, Any]) -> Cookie:
    settings = request.app.state.settings
    return Cookie(key=COOKIE_NAME, value="", path="/", httponly=True, samesite="lax",
                  secure=settings.cookie_secure, max_age=0)


async def end_session(request: Request[Any, Any, Any], *, everywhere: bool, db: AsyncSession | None = None) -> None:
    """Log out this browser; `everywhere`, every session of the account and every API token it made
    (in the request's unit of work `db`, which this browser's session is part of)."""
    store = request.app.state.session_store
    user: CurrentUser | None = request.scope.get("user")
    if everywhere and user is not None:
        assert db is not None
        await revoke_all_api_tokens(db, user.id)
        await store.delete_for_user(user.id, db=db)
        return
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await store.delete(token)


async def rotate_after_password_change(request: Request[Any, Any, Any], db: AsyncSession, user_id: int
                                       ) -> list[Cookie]:
    """Every other login of the account ends; this browser gets a fresh session, in the same unit of work."""
    store = request.app.state.session_store
    await store.delete_for_user(user_id, db=db)
    token = await store.create(user_id, mfa_verified=True, db=db)
    return [session_cookie(request, token), csrf_cookie(request.app.state.settings, token)]
