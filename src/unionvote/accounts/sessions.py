"""Server-side login sessions: in the database by default; with Redis configured, in Redis and the database
(ResilientSessionStore), so a Redis outage logs no one out.

The browser holds a random token in an HttpOnly cookie; stores keep only its SHA-256,
so a leaked database or Redis dump cannot be replayed as a login.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.expression import Executable

from unionvote.accounts.models import UserSession
from unionvote.config import Settings
from unionvote.db import session_scope, utcnow
from unionvote.outages import REDIS_ERRORS, RedisBreaker
from unionvote.security import new_token, token_digest

COOKIE_NAME = "uv_session"
# Refresh last-seen at most this often, so every page view is not a write.
TOUCH_EVERY = timedelta(minutes=1)
T = TypeVar("T")


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
        async with session_scope(self.factory) as db:
            info, writes = await self.read(db, token)
            for write in writes:
                await db.execute(write)
            return info

    async def read(self, db: AsyncSession, token: str) -> tuple[SessionInfo | None, list[Executable]]:
        """The session, read in `db` (the request's unit of work), and the write now due: a refreshed
        last-seen time (at most once a minute) or the removal of an expired session. The caller runs it."""
        digest, now = token_digest(token), utcnow()
        row = (await db.execute(select(UserSession).where(UserSession.id == digest))).scalar_one_or_none()
        if row is None:
            return None, []
        if row.expires_at <= now:
            return None, [delete(UserSession).where(UserSession.id == digest)]
        expires_at, writes = row.expires_at, []
        if now - row.last_seen_at >= TOUCH_EVERY:
            expires_at = self.next_expiry(row.created_at, now)
            writes.append(update(UserSession).where(UserSession.id == digest)
                          .values(last_seen_at=now, expires_at=expires_at))
        return SessionInfo(digest, row.user_id, row.mfa_verified, row.created_at, expires_at,
                           row.conference_id), writes

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
        await self.remember(SessionInfo(token_digest(token), user_id, mfa_verified, now, self.next_expiry(now, now),
                                        conference_id), seen=now)
        return token

    async def remember(self, info: SessionInfo, *, seen: datetime) -> None:
        """Keep `info` (a new session, or one the database still holds) under its digest."""
        data = {"user_id": info.user_id, "mfa": info.mfa_verified, "created": info.created_at.isoformat(),
                "seen": seen.isoformat(), "expires": info.expires_at.isoformat(), "conference": info.conference_id}
        await self._save(info.digest, data, info.expires_at)
        await self.redis.sadd(self._user_key(info.user_id), info.digest)
        await self.redis.expire(self._user_key(info.user_id), int(self.absolute.total_seconds()) + 60)

    async def get(self, token: str) -> SessionInfo | None:
        return (await self.lookup(token))[0]

    async def lookup(self, token: str) -> tuple[SessionInfo | None, bool]:
        """The session, and whether its last-seen time was just refreshed (at most once a minute)."""
        digest, now = token_digest(token), utcnow()
        raw = await self.redis.get(self._key(digest))
        if raw is None:
            return None, False
        data = json.loads(raw)
        created, expires = datetime.fromisoformat(data["created"]), datetime.fromisoformat(data["expires"])
        if expires <= now:
            return None, False
        touched = now - datetime.fromisoformat(data["seen"]) >= TOUCH_EVERY
        if touched:
            expires = self.next_expiry(created, now)
            data.update(seen=now.isoformat(), expires=expires.isoformat())
            await self._save(digest, data, expires)
        return SessionInfo(digest, data["user_id"], data["mfa"], created, expires, data.get("conference")), touched

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


class ResilientSessionStore:
    """With Redis configured: every session is written to Redis and to the database (the record) and read
    from Redis first. When Redis cannot be reached, or answers without the session (it restarted empty),
    the database row answers, so people stay logged in and can log in through a Redis outage.

    A Redis write that fails is not an error for the request: the Redis copy is forgotten once Redis answers
    again (a logout, a password change, a passed two-factor check made meanwhile), so the database decides."""

    def __init__(self, redis: RedisSessionStore, database: DatabaseSessionStore) -> None:
        self.redis, self.database = redis, database
        self.breaker = RedisBreaker("login sessions", "the database")
        # Redis copies to drop when Redis answers again: ("session", token) or ("user", user_id).
        self._stale: set[tuple[str, str | int]] = set()

    async def _on_redis(self, call: Callable[[], Awaitable[T]], *, if_lost: tuple[str, str | int] | None = None
                        ) -> tuple[bool, T | None]:
        """(True, result) when Redis answered; (False, None) when it is out of reach (or rested after a failure)."""
        if self.breaker.worth_trying():
            try:
                while self._stale:
                    kind, key = next(iter(self._stale))
                    if kind == "user":
                        await self.redis.delete_for_user(int(key))
                    else:
                        await self.redis.delete(str(key))
                    self._stale.discard((kind, key))
                result = await call()
            except REDIS_ERRORS as exc:
                self.breaker.failed(exc)
            else:
                self.breaker.answered()
                return True, result
        if if_lost is not None and len(self._stale) < 100_000:
            self._stale.add(if_lost)
        return False, None

    async def create(self, user_id: int, *, mfa_verified: bool, conference_id: int | None = None,
                     db: AsyncSession | None = None) -> str:
        token, now = new_token(), utcnow()
        info = SessionInfo(token_digest(token), user_id, mfa_verified, now, self.database.next_expiry(now, now),
                           conference_id)
        row = UserSession(id=info.digest, user_id=user_id, mfa_verified=mfa_verified, created_at=now,
                          last_seen_at=now, expires_at=info.expires_at, conference_id=conference_id)
        if db is not None:
            db.add(row)
        else:
            async with session_scope(self.database.factory) as own:
                own.add(row)
        await self._on_redis(lambda: self.redis.remember(info, seen=now), if_lost=("session", token))
        return token

    async def get(self, token: str) -> SessionInfo | None:
        answered, found = await self._on_redis(lambda: self.redis.lookup(token))
        if found is not None and found[0] is not None:
            info, touched = found
            if touched:  # keep the record's idle expiry moving too, for the next outage
                async with session_scope(self.database.factory) as db:
                    await db.execute(update(UserSession).where(UserSession.id == info.digest)
                                     .values(last_seen_at=utcnow(), expires_at=info.expires_at))
            return info
        info = await self.database.get(token)
        if answered and info is not None:  # Redis is back but lost it: copy it over from the record
            await self._on_redis(lambda: self.redis.remember(info, seen=utcnow()))
        return info

    async def mark_mfa_verified(self, token: str, *, db: AsyncSession | None = None) -> None:
        await self.database.mark_mfa_verified(token, db=db)
        await self._on_redis(lambda: self.redis.mark_mfa_verified(token), if_lost=("session", token))

    async def delete(self, token: str) -> None:
        await self.database.delete(token)
        await self._on_redis(lambda: self.redis.delete(token), if_lost=("session", token))

    async def delete_for_user(self, user_id: int, *, db: AsyncSession | None = None) -> int:
        ended = await self.database.delete_for_user(user_id, db=db)
        await self._on_redis(lambda: self.redis.delete_for_user(user_id), if_lost=("user", user_id))
        return ended

    async def count_for_user(self, user_id: int) -> int:
        return await self.database.count_for_user(user_id)
