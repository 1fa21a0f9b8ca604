"""Fixtures for member-ballot tests: a session factory on the test database, and a sealing key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory


@pytest.fixture(autouse=True)
def sealing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Member ballots are sealed by the server when they open: under this key, kept out of the database."""
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a sealing key for tests, kept out of the database")


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
