"""Server-side login sessions: in the database by default, in Redis when configured.

The browser holds a random token in an HttpOnly cookie; stores keep only its SHA-256,
so a leaked database or Redis dump cannot be replayed as a login.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.accounts.models import UserSession
from unionvote.config import Settings
from unionvote.db import session_scope, utcnow
from unionvote.security import new_token, token_digest

COOKIE_NAME = "uv_session"
# Refresh last-seen at most this often, so every page view is not a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionInfo:
    digest: str
    user_id: int
    mfa_verified: bool
    created_at: datetime
    expires_at: datetime
    conference_id: int | None = None  # a voting-code login, good for this conference only


class SessionStore(Protocol):
    """`db`, where a method takes it, is the caller's unit of work: the database store writes in it
    (so the change commits or rolls back with the action, and SQLite's single write lock is never
    waited on twice); the Redis store writes straight away."""

    async def create(self, user_id: int, *, mfa_verified: bool, conference_id: int | None = None,
                     db: AsyncSession | None = None) -> str: ...
    async def get(self, token: str) -> SessionInfo | None: ...
    async def mark_mfa_verified(self, token: str, *, db: AsyncSession | None = None) -> None: ...
    async def delete(self, token: str) -> None: ...
    async def delete_for_user(self, user_id: int, *, db: AsyncSession | None = None) -> int: ...


class _Lifetimes:
    def __init__(self, settings: Settings) -> None:
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.absolute = timedelta(hours=settings.session_absolute_hours)

    def next_expiry(self, created_at: datetime, now: datetime) -> datetime:
        return min(now + self.idle, created_at + self.absolute)


class DatabaseSessionStore(_Lifetimes):
    def __init__(self, settings: Settings, factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(settings)
        self.factory = factory

    @asynccontextmanager
    async def _unit(self, db: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        """The caller's unit of work when given, else a transaction of our own."""
        if db is not None:
            yield db
            return
        async with session_scope(self.factory) as own:
            yield own

    async def create(self, user_id: int, *, mfa_verified: bool, conference_id: int | None = None,
                     db: AsyncSession | None = None) -> str:
        token, now = new_token(), utcnow()
        async with self._unit(db) as unit:
            unit.add(UserSession(id=token_digest(token), user_id=user_id, mfa_verified=mfa_verified,
                                 created_at=now, last_seen_at=now, expires_at=self.next_expiry(now, now),
                                 conference_id=conference_id))
        return token

    async def get(self, token: str) -> SessionInfo | None:
        digest, now = token_digest(token), utcnow()
        async with session_scope(self.factory) as db:
            row = await db.get(UserSession, digest)
            if row is None:
                return None
            if row.expires_at <= now:
                await db.delete(row)
                return None
            if now - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at, row.expires_at = now, self.next_expiry(row.created_at, now)
            return SessionInfo(digest, row.user_id, row.mfa_verified, row.created_at, row.expires_at,
                               row.conference_id)

    async def mark_mfa_verified(self, token: str, *, db: AsyncSession | None = None) -> None:
        async with self._unit(db) as unit:
            await unit.execute(update(UserSession).where(UserSession.id == token_digest(token))
                               .values(mfa_verified=True))

    async def delete(self, token: str) -> None:
        async with session_scope(self.factory) as db:
            await db.execute(delete(UserSession).where(UserSession.id == token_digest(token)))

    async def delete_for_user(self, user_id: int, *, db: AsyncSession | None = None) -> int:
        async with self._unit(db) as unit:
            result = await unit.execute(delete(UserSession).where(UserSession.user_id == user_id))
            return result.rowcount or 0

    async def purge_expired(self) -> int:
        async with session_scope(self.factory) as db:
            result = await db.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
            return result.rowcount or 0

    async def count_for_user(self, user_id: int) -> int:
        async with session_scope(self.factory) as db:
            rows = await db.execute(select(UserSession.id).where(UserSession.user_id == user_id,
                                                                 UserSession.expires_at > utcnow()))
            return len(rows.all())


class RedisSessionStore(_Lifetimes):
    """Sessions shared by every worker on every host. Keys expire on their own."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        super().__init__(settings)
        self.redis = redis
        self.prefix = settings.redis_namespace

    def _key(self, digest: str) -> str:
        return f"{self.prefix}:session:{digest}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}:user-sessions:{user_id}"

    async def _save(self, digest: str, data: dict[str, object], expires_at: datetime) -> None:
        ttl = max(1, int((expires_at - utcnow()).total_seconds()))
        await self.redis.set(self._key(digest), json.dumps(data), ex=ttl)

    async def create(self, user_id: int, *, mfa_verified: bool, conference_id: int | None = None,
                     db: AsyncSession | None = None) -> str:
        token, now = new_token(), utcnow()
        digest, expires = token_digest(token), self.next_expiry(now, now)
        data = {"user_id": user_id, "mfa": mfa_verified, "created": now.isoformat(),
                "seen": now.isoformat(), "expires": expires.isoformat(), "conference": conference_id}
        await self._save(digest, data, expires)
        await self.redis.sadd(self._user_key(user_id), digest)
        await self.redis.expire(self._user_key(user_id), int(self.absolute.total_seconds()) + 60)
        return token

    async def get(self, token: str) -> SessionInfo | None:
        digest, now = token_digest(token), utcnow()
        raw = await self.redis.get(self._key(digest))
        if raw is None:
            return None
        data = json.loads(raw)
        created, expires = datetime.fromisoformat(data["created"]), datetime.fromisoformat(data["expires"])
        if expires <= now:
            return None
        if now - datetime.fromisoformat(data["seen"]) >= TOUCH_EVERY:
            expires = self.next_expiry(created, now)
            data.update(seen=now.isoformat(), expires=expires.isoformat())
            await self._save(digest, data, expires)
        return SessionInfo(digest, data["user_id"], data["mfa"], created, expires, data.get("conference"))

    async def mark_mfa_verified(self, token: str, *, db: AsyncSession | None = None) -> None:
        digest = token_digest(token)
        raw = await self.redis.get(self._key(digest))
        if raw is not None:
            data = json.loads(raw)
            data["mfa"] = True
            await self._save(digest, data, datetime.fromisoformat(data["expires"]))

    async def delete(self, token: str) -> None:
        await self.redis.delete(self._key(token_digest(token)))

    async def delete_for_user(self, user_id: int, *, db: AsyncSession | None = None) -> int:
        digests = await self.redis.smembers(self._user_key(user_id))
        keys = [self._key(d.decode() if isinstance(d, bytes) else d) for d in digests]
        removed = await self.redis.delete(*keys) if keys else 0
        await self.redis.delete(self._user_key(user_id))
        return int(removed)
