"""PostgreSQL only: a migrated database per test and a session factory with enough real connections.

Each concurrent cast gets its own session, so its own connection and transaction, the way
separate requests on separate workers would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.conftest import PG_URL
from tests.pg import admin_execute, database_url_named
from unionvote.conferences.services import create_conference
from unionvote.db import make_session_factory, session_scope

# The server allows 100 connections, shared with other test runs: 30 is plenty of real concurrency.
POOL_SIZE = 30


@pytest.fixture
def pg_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if not PG_URL:
        pytest.skip("UNIONVOTE_TEST_POSTGRES_URL is not set")
    template = request.getfixturevalue("postgres_template")
    name = f"uv_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_execute(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield database_url_named(PG_URL, name)
    finally:
        asyncio.run(admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def factory(pg_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(pg_database_url, pool_size=POOL_SIZE, max_overflow=0, pool_timeout=120)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def conference_id(factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(factory) as db:
        conference = await create_conference(db, slug="adc-2027", name="Annual Delegate Conference", by=None)
        return conference.id  # type: ignore[return-value]
