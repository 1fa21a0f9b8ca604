"""Anonymising accounts whose owner's personal data is being erased (see conferences/erasure.py).

An anonymised account keeps its id, so role grants, register entries and audit entries
that name it still resolve; everything that identifies the person or lets anyone log in
as them is gone: email, name, password, second factors, API tokens and sessions.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import ApiToken, OidcIdentity, RecoveryCode, RoleGrant, User, UserSession

ERASED_EMAIL_DOMAIN = "invalid"  # RFC 2606: never a real address


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_EMAIL_DOMAIN}"


def erased_name(user_id: int) -> str:
    return f"Erased account {user_id}"


@dataclass(frozen=True)
class AccountErasure:
    user_ids: tuple[int, ...]  # the accounts changed by this call
    api_tokens: int
    recovery_codes: int
    sessions: int  # database-held sessions; a Redis store is the caller's to clear


async def admins_among(db: AsyncSession, user_ids: Collection[int]) -> set[int]:
    if not user_ids:
        return set()
    rows = await db.execute(select(User.id).where(User.id.in_(user_ids), User.is_admin))
    return set(rows.scalars())


async def granted_conferences(db: AsyncSession, user_ids: Collection[int]) -> dict[int, set[int]]:
    """Each account's conferences where it holds a role."""
    found: dict[int, set[int]] = {}
    if user_ids:
        rows = await db.execute(select(RoleGrant.user_id, RoleGrant.conference_id)
                                .where(RoleGrant.user_id.in_(user_ids)))
        for user_id, conference_id in rows.all():
            found.setdefault(user_id, set()).add(conference_id)
    return found


async def _pending(db: AsyncSession, user_ids: Collection[int]) -> list[User]:
    if not user_ids:
        return []
    users = (await db.execute(select(User).where(User.id.in_(user_ids)).order_by(User.id))).scalars().all()
    with_tokens = set((await db.execute(select(ApiToken.user_id).where(ApiToken.user_id.in_(user_ids)))).scalars())
    with_codes = set((await db.execute(select(RecoveryCode.user_id).where(RecoveryCode.user_id.in_(user_ids))
                      )).scalars())
    with_codes |= set((await db.execute(select(OidcIdentity.user_id).where(OidcIdentity.user_id.in_(user_ids))
                       )).scalars())  # a sign-in elsewhere still linked is a way in, like a recovery code
    return [user for user in users if user.id is not None and (
        user.email != erased_email(user.id) or user.display_name != erased_name(user.id)
        or user.password_hash is not None or user.totp_secret is not None or user.totp_enabled or user.is_active
        or user.id in with_tokens or user.id in with_codes)]


async def not_yet_anonymised(db: AsyncSession, user_ids: Collection[int]) -> list[int]:
    """The accounts among `user_ids` that still hold something to erase (so a second run does nothing)."""
    return [user.id for user in await _pending(db, user_ids) if user.id is not None]


async def anonymise_accounts(db: AsyncSession, user_ids: Collection[int]) -> AccountErasure:
    """Erase who the accounts belong to and every way of logging in as them. Unaudited: the caller records."""
    users = await _pending(db, user_ids)
    ids = [user.id for user in users if user.id is not None]
    if not ids:
        return AccountErasure((), 0, 0, 0)
    tokens = await db.execute(delete(ApiToken).where(ApiToken.user_id.in_(ids)))
    codes = await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id.in_(ids)))
    sessions = await db.execute(delete(UserSession).where(UserSession.user_id.in_(ids)))
    await db.execute(delete(OidcIdentity).where(OidcIdentity.user_id.in_(ids)))
    for user in users:
        assert user.id is not None
        user.email, user.display_name = erased_email(user.id), erased_name(user.id)
        user.password_hash = user.totp_secret = None
        user.totp_enabled = user.is_active = False
        user.failed_logins, user.locked_until = 0, None
    await db.flush()
    return AccountErasure(tuple(ids), tokens.rowcount or 0, codes.rowcount or 0, sessions.rowcount or 0)


async def end_conference_sessions(db: AsyncSession, conference_id: int, *, dry_run: bool = False) -> int:
    """Database sessions good for one conference only (voting-code logins). A Redis store's expire on their own."""
    where = UserSession.conference_id == conference_id
    if dry_run:
        return len((await db.execute(select(UserSession.id).where(where))).all())
    return (await db.execute(delete(UserSession).where(where))).rowcount or 0
