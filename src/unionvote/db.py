"""Engine, session factory, column types, and the locking helpers (row locks and gates)."""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, Select, event, func, literal, select
from sqlalchemy.engine import Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from unionvote.config import Settings

SQLITE_BUSY_TIMEOUT_MS = 15_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware datetime, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can issue BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every transaction takes the write lock up front: SQLite then serialises writers
        # instead of failing one of them with "database is locked" on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(settings: Settings) -> AsyncEngine:
    kwargs: dict[str, Any] = {"echo": settings.sql_echo}
    if settings.is_sqlite:
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        # Connections kept between requests: past pool_size each one is opened and closed again per request
        # (a TLS attempt, a connect and every statement prepared anew), as when a worker takes more than its share.
        kwargs.update(pool_size=20, max_overflow=10)
    engine = create_async_engine(settings.database_url, **kwargs)
    if settings.is_sqlite:
        _configure_sqlite(engine)
    else:
        _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 1.0  # seconds a pooled connection may rest before it is checked on its way out


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only if it has rested a while.

    A connection that was in use a moment ago is alive; one that sat in the pool may have
    been cut (a database restart, a failover). The pool's own pre-ping would cost every
    checkout three round trips (BEGIN, a ping, ROLLBACK), a third of a vote's work under load.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _rested_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool drops this connection and tries another (or a new one).
            raise DisconnectionError("the pooled connection is gone") from exc


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work outside a request (CLI, background tasks): commit on success."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def locked(session: AsyncSession, stmt: Select[Any]) -> Result[Any]:
    """Run a SELECT whose rows the caller will change, serialising competing writers.

    PostgreSQL: SELECT ... FOR UPDATE on the rows. SQLite: every transaction already
    began with BEGIN IMMEDIATE, which holds the database write lock until commit.
    """
    if is_postgres(session):
        stmt = stmt.with_for_update()
    return await session.execute(stmt)


async def gate(session: AsyncSession, name: str, ident: int, *, shared: bool) -> None:
    """A fair gate on one thing for the rest of the transaction: many pass at once (shared), or one alone.

    PostgreSQL: an advisory transaction lock. Its queue is fair, so one who waits for the
    exclusive gate holds back later arrivals (row locks FOR SHARE would let a steady stream
    of newcomers starve it). SQLite: nothing to do, the write lock already serialises.
    """
    if is_postgres(session):
        await session.execute(select(gate_lock(name, ident, shared=shared)))


def gate_lock(name: str, ident: Any, *, shared: bool) -> Any:
    """The PostgreSQL function call that passes `gate`, for a statement that passes it among other work."""
    function = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    return function(literal(zlib.crc32(name.encode()) & 0x7FFFFFFF, Integer), ident)


def commit_before_send(session_scope_key: str) -> Any:
    """End each request's unit of work before the response starts: commit a 2xx/3xx, roll back the rest.

    Unlike the ready-made handler, a commit that fails is raised, so the person sees an
    error instead of a success page for something that was not saved.
    """
    from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state

    async def handler(message: Any, scope: Any) -> None:
        session: AsyncSession | None = get_aa_scope_state(scope, session_scope_key)
        if session is None or message["type"] not in _TERMINUS:
            return
        delete_aa_scope_state(scope, session_scope_key)
        try:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 400:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()

    return handler


_TERMINUS = {"http.response.start", "http.disconnect", "websocket.disconnect", "websocket.close"}
