"""Account rules: creating users, logging in, second factors, roles, API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import ApiToken, RecoveryCode, Role, RoleGrant, User
from unionvote.audit.services import SYSTEM_SCOPE, actor_of, record, scope_of
from unionvote.auth import API_TOKEN_PREFIX, TOKEN_SCOPES
from unionvote.conferences.models import Conference
from unionvote.config import Settings
from unionvote.db import locked, utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import LANGUAGES, N_, _
from unionvote.security import (
    digest_matches,
    hash_password,
    needs_rehash,
    new_recovery_codes,
    new_token,
    new_totp_secret,
    normalise_recovery_code,
    password_problem,
    token_digest,
    totp_step,
    verify_password,
)

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


class AccountError(RuleViolation):
    """A request the account rules refuse, with a message for the person who made it."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise AccountError(_("'%(email)s' is not an email address.") % {"email": email})
    return email


async def create_user(
    db: AsyncSession, *, email: str, display_name: str, password: str | None, is_admin: bool = False,
    created_by: int | None = None,
) -> User:
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise AccountError(_("Give the person's name."))
    if len(display_name) > 200 or any(ch < " " or ch == "\x7f" for ch in display_name):
        raise AccountError(_("Give the name on one line, in at most 200 characters."))
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem)
    if (await db.execute(select(User.id).where(User.email == email))).first():
        raise AccountError(_("There is already an account for %(email)s.") % {"email": email}, 409)
    user = User(email=email, display_name=display_name, is_admin=is_admin,
                password_hash=hash_password(password) if password else None)
    db.add(user)
    try:
        await db.flush()
    except IntegrityError as exc:
        raise AccountError(_("There is already an account for %(email)s.") % {"email": email}, 409) from exc
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(created_by), action="user.created",
                 payload={"user_id": user.id, "is_admin": is_admin})
    return user


class LoginResult(StrEnum):
    OK = "ok"
    BAD = "bad"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: User | None = None
    locked_until: datetime | None = None


BAD_LOGIN_MESSAGE = N_("That email and password do not match an account.")
LOCKED_MESSAGE = N_("Too many failed attempts: this account is locked for a while. Log in from a device you have "
                    "used before, try again later, or ask union staff.")


async def check_password(db: AsyncSession, settings: Settings, email: str, password: str, *,
                         known_device_of: int | None = None) -> LoginOutcome:
    """The password step of logging in, with lockout after repeated failures.

    A lock keeps out everyone but the owner: a browser that has logged in to this account before
    (`known_device_of`, from its signed device cookie) still gets its password checked, so someone
    guessing cannot lock the chair out minutes before conference."""
    try:
        email = normalise_email(email)
    except AccountError:
        verify_password(None, password)
        return LoginOutcome(LoginResult.BAD)
    user = (await locked(db, select(User).where(User.email == email))).scalar_one_or_none()
    now = utcnow()
    known = user is not None and known_device_of == user.id
    if user is not None and user.locked_until is not None and user.locked_until > now and not known:
        return LoginOutcome(LoginResult.LOCKED, locked_until=user.locked_until)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins == settings.audit_failed_login_threshold:
                await record(db, scope=SYSTEM_SCOPE, actor="system", action="login.repeated_failures",
                             payload={"user_id": user.id, "failures": user.failed_logins})
            if user.failed_logins >= settings.lockout_threshold:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                revoked = await revoke_all_api_tokens(db, user.id)  # type: ignore[arg-type]
                await record(db, scope=SYSTEM_SCOPE, actor="system", action="login.locked",
                             payload={"user_id": user.id, "minutes": settings.lockout_minutes,
                                      "api_tokens_revoked": revoked})
                user.failed_logins = 0
        return LoginOutcome(LoginResult.BAD)
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return LoginOutcome(LoginResult.OK, user)


def _second_factor_lock(failures: int, settings: Settings) -> timedelta:
    """Doubles with each further round of wrong codes, up to a day: guessing a 6-digit code stays hopeless."""
    rounds = failures // settings.lockout_threshold
    return min(timedelta(minutes=settings.lockout_minutes) * 2 ** max(rounds - 1, 0), timedelta(days=1))


async def check_second_factor(db: AsyncSession, settings: Settings, user_id: int, code: str) -> LoginOutcome:
    """A TOTP code (each 30-second step accepted once), or a recovery code that is then used up.

    Wrong codes lock out authenticator codes for a while, doubling each round; recovery codes still
    work during such a lock (they are far too long to guess), so the owner always has a way in."""
    user = (await locked(db, select(User).where(User.id == user_id))).scalar_one_or_none()
    if user is None or not user.totp_enabled or not user.totp_secret:
        return LoginOutcome(LoginResult.BAD)
    now = utcnow()
    totp_locked = user.totp_locked_until is not None and user.totp_locked_until > now
    box = settings.secret_box()
    if not totp_locked:
        secret = box.open(user.totp_secret, user_id)
        step = totp_step(secret, code, after=user.totp_last_step)
        if step is not None:
            user.totp_last_step, user.totp_failures, user.totp_locked_until = step, 0, None
            if box.needs_resealing(user.totp_secret):
                user.totp_secret = box.seal(secret, user_id)
            return LoginOutcome(LoginResult.OK, user)
    if await _use_recovery_code(db, user_id, code):
        user.totp_failures, user.totp_locked_until = 0, None
        return LoginOutcome(LoginResult.OK, user)
    if totp_locked:
        return LoginOutcome(LoginResult.LOCKED, user, user.totp_locked_until)
    user.totp_failures += 1
    if user.totp_failures % settings.lockout_threshold == 0:
        lock = _second_factor_lock(user.totp_failures, settings)
        user.totp_locked_until = now + lock
        await record(db, scope=SYSTEM_SCOPE, actor="system", action="totp.locked",
                     payload={"user_id": user_id, "minutes": int(lock.total_seconds() // 60)})
        return LoginOutcome(LoginResult.LOCKED, user, user.totp_locked_until)
    return LoginOutcome(LoginResult.BAD, user)


async def _use_recovery_code(db: AsyncSession, user_id: int, code: str) -> bool:
    normal = normalise_recovery_code(code)
    if not normal:
        return False
    codes = (await locked(db, select(RecoveryCode).where(RecoveryCode.user_id == user_id,
                                                         RecoveryCode.used_at.is_(None)))).scalars()
    for row in codes:
        if digest_matches(normal, row.code_hash):
            row.used_at = utcnow()
            await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="recovery_code.used",
                         payload={"user_id": user_id})
            return True
    return False


async def start_totp_enrolment(db: AsyncSession, settings: Settings, user_id: int) -> str:
    """A fresh secret, kept (sealed) on the account but not active until a code confirms it."""
    user = await db.get(User, user_id)
    assert user is not None
    if user.totp_enabled:
        raise AccountError(_("Two-factor authentication is already on for this account."), 409)
    box = settings.secret_box()
    if not user.totp_secret:
        user.totp_secret = box.seal(new_totp_secret(), user_id)
    return box.open(user.totp_secret, user_id)


async def _replace_recovery_codes(db: AsyncSession, user_id: int) -> list[str]:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = new_recovery_codes()
    db.add_all([RecoveryCode(user_id=user_id, code_hash=token_digest(code)) for code in codes])
    return codes


async def confirm_totp_enrolment(db: AsyncSession, settings: Settings, user_id: int, code: str) -> list[str]:
    """Turn two-factor on once the person shows a working code; returns recovery codes to show once."""
    user = (await locked(db, select(User).where(User.id == user_id))).scalar_one()
    if user.totp_enabled:
        raise AccountError(_("Two-factor authentication is already on for this account."), 409)
    box = settings.secret_box()
    step = totp_step(box.open(user.totp_secret, user_id), code) if user.totp_secret else None
    if step is None:
        raise AccountError(_("That code is not right. Check the time on your phone and enter the newest code."))
    user.totp_enabled, user.totp_last_step, user.totp_failures, user.totp_locked_until = True, step, 0, None
    if box.needs_resealing(user.totp_secret or ""):
        user.totp_secret = box.seal(box.open(user.totp_secret or "", user_id), user_id)
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="totp.enabled",
                 payload={"user_id": user_id})
    return await _replace_recovery_codes(db, user_id)


async def regenerate_recovery_codes(db: AsyncSession, user_id: int) -> list[str]:
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="recovery_codes.regenerated",
                 payload={"user_id": user_id})
    return await _replace_recovery_codes(db, user_id)


async def reset_totp(db: AsyncSession, *, user_id: int, by: int | None) -> None:
    """An administrator clears a lost authenticator; the person enrols again at next login."""
    user = (await locked(db, select(User).where(User.id == user_id))).scalar_one_or_none()
    if user is None:
        raise AccountError(_("No such account."), 404)
    user.totp_enabled, user.totp_secret = False, None
    user.totp_last_step, user.totp_failures, user.totp_locked_until = None, 0, None
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    # Whoever holds a token must not be able to enrol a new authenticator in the person's place.
    revoked = await revoke_all_api_tokens(db, user_id)
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(by), action="totp.reset",
                 payload={"user_id": user_id, "api_tokens_revoked": revoked})


async def revoke_all_api_tokens(db: AsyncSession, user_id: int) -> int:
    """Every live token of the account ends: after a password change, "log out everywhere", an account
    lock or a two-factor reset, nothing issued before it still works."""
    revoked = await db.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                               .values(revoked_at=utcnow()))
    return revoked.rowcount or 0


async def resealed_totp_secrets(db: AsyncSession, settings: Settings) -> int:
    """Seal every stored second-factor secret under the newest key (after adding a key, before removing
    the old one). Returns how many were re-sealed."""
    box, count = settings.secret_box(), 0
    users = (await db.execute(select(User).where(User.totp_secret.is_not(None)))).scalars()
    for user in users:
        if user.totp_secret and box.needs_resealing(user.totp_secret):
            user.totp_secret = box.seal(box.open(user.totp_secret, user.id), user.id)  # type: ignore[arg-type]
            count += 1
    return count


async def change_password(db: AsyncSession, user_id: int, current: str, new: str) -> None:
    user = (await locked(db, select(User).where(User.id == user_id))).scalar_one()
    if not verify_password(user.password_hash, current):
        raise AccountError(_("Your current password is not right."))
    if problem := password_problem(new):
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    revoked = await revoke_all_api_tokens(db, user_id)
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="password.changed",
                 payload={"user_id": user_id, "api_tokens_revoked": revoked})


async def grant_role(db: AsyncSession, *, user_id: int, conference_id: int, role: Role, by: int | None) -> RoleGrant:
    if await db.get(User, user_id) is None:
        raise AccountError(_("No such account."), 404)
    if await db.get(Conference, conference_id) is None:
        raise AccountError(_("No such conference."), 404)
    existing = (await db.execute(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.conference_id == conference_id, RoleGrant.role == role,
    ))).scalar_one_or_none()
    if existing is not None:
        return existing
    grant = RoleGrant(user_id=user_id, conference_id=conference_id, role=role, granted_by=by)
    db.add(grant)
    await db.flush()
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action="role.granted",
                 payload={"user_id": user_id, "role": str(role), "grant_id": grant.id})
    return grant


async def revoke_role(db: AsyncSession, *, grant_id: int, user_id: int, by: int | None) -> RoleGrant:
    grant = await db.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user_id:
        raise AccountError(_("That role grant does not exist."), 404)
    await db.delete(grant)
    await record(db, scope=scope_of("conference", grant.conference_id), actor=actor_of(by), action="role.revoked",
                 payload={"user_id": grant.user_id, "role": grant.role, "grant_id": grant_id})
    return grant


async def create_api_token(db: AsyncSession, *, user_id: int, name: str, scopes: Iterable[str] = TOKEN_SCOPES,
                           days: int | None = DEFAULT_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """A token for another system, shown once. It can do only what its scopes name, until it expires."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError(_("Give the token a name of 1 to 100 characters, such as 'membership system'."))
    chosen = set(scopes) | {"read"}  # every token may read what its owner may read
    if unknown := chosen - set(TOKEN_SCOPES):
        raise AccountError(_("Unknown token scope: %(scopes)s. Choose from read, vote and manage.")
                           % {"scopes": ", ".join(sorted(unknown))})
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(_("A token lasts from 1 to %(most)s days.") % {"most": MAX_TOKEN_DAYS})
    plain = new_token(API_TOKEN_PREFIX)
    now = utcnow()
    token = ApiToken(user_id=user_id, name=name, prefix=plain[:10], token_hash=token_digest(plain),
                     scopes=" ".join(s for s in TOKEN_SCOPES if s in chosen), created_at=now,
                     expires_at=None if days is None else now + timedelta(days=days))
    db.add(token)
    await db.flush()
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="api_token.created",
                 payload={"user_id": user_id, "token_id": token.id})
    return token, plain


async def revoke_api_token(db: AsyncSession, *, user_id: int, token_id: int) -> None:
    result = await db.execute(update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                                                     ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if not result.rowcount:
        raise AccountError(_("No such API token."), 404)
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="api_token.revoked",
                 payload={"user_id": user_id, "token_id": token_id})


async def api_tokens_of(db: AsyncSession, user_id: int) -> list[ApiToken]:
    return list((await db.execute(select(ApiToken).where(ApiToken.user_id == user_id)
                                  .order_by(ApiToken.id))).scalars())


async def set_language(db: AsyncSession, user_id: int, language: str) -> str | None:
    """The language a person reads unionvote in, wherever they sign in ("" = as their browser asks)."""
    language = language.strip()
    if language and language not in LANGUAGES:
        raise AccountError(_("Choose one of the languages offered, or \"As my browser asks\"."))
    user = await db.get(User, user_id)
    if user is None:
        raise AccountError(_("This account no longer exists."), 404)
    user.language = language or None
    return user.language


async def list_users(db: AsyncSession) -> list[User]:
    return list((await db.execute(select(User).order_by(User.display_name))).scalars())


async def roles_of(db: AsyncSession, user_id: int) -> list[tuple[RoleGrant, Conference]]:
    rows = await db.execute(select(RoleGrant, Conference).join(Conference, Conference.id == RoleGrant.conference_id)
                            .where(RoleGrant.user_id == user_id).order_by(Conference.name, RoleGrant.role))
    return [(grant, conference) for grant, conference in rows.all()]


async def roles_in_conference(db: AsyncSession, conference_id: int) -> list[tuple[RoleGrant, User]]:
    """Who holds which role in one conference, for its staff pages."""
    rows = await db.execute(select(RoleGrant, User).join(User, User.id == RoleGrant.user_id)
                            .where(RoleGrant.conference_id == conference_id)
                            .order_by(RoleGrant.role, User.display_name))
    return [(grant, user) for grant, user in rows.all()]


async def unused_recovery_codes(db: AsyncSession, user_id: int) -> int:
    return (await db.execute(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))).scalar_one()
