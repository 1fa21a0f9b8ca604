"""Upgrading a database that already holds conferences gives them the default settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.pg import fresh_postgres_database, postgres_url
from unionvote import migrate

BEFORE_REGISTER = "c71595bf07d3"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason="UNIONVOTE_TEST_POSTGRES_URL is not set"),
])]


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'upgrade.db'}"
    else:
        async with fresh_postgres_database(postgres_url() or "") as url:
            yield url


async def test_an_existing_conference_gets_default_settings_on_upgrade(empty_database: str) -> None:
    migrate.upgrade(empty_database, BEFORE_REGISTER)
    engine = create_async_engine(empty_database, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO conference (slug, name, status, created_at) "
                                    "VALUES ('adc-2026', 'Last year', 'closed', CURRENT_TIMESTAMP)"))
        migrate.upgrade(empty_database)
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT slug, time_zone, totp_required_for_delegates, quorum_kind, quorum_value, card_vote_mode, "
                "retention_days FROM conference"))).one()
    finally:
        await engine.dispose()

    assert tuple(row) == ("adc-2026", "Europe/London", False, "none", None, "block", 365)
