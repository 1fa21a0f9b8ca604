"""Fixtures for register tests: a session factory on the test database and a conference in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def conference_id(factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(factory) as db:
        conference = await create_conference(db, slug="adc-2027", name="Annual Delegate Conference", by=None)
        return conference.id  # type: ignore[return-value]
