"""Revision a4d1c9e7b203: the sampler's running totals are recomputed from the ratings, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.pg import fresh_postgres_database, postgres_url
from unionvote import migrate

BEFORE, REVISION = "f3c6d8a2b944", "a4d1c9e7b203"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason="UNIONVOTE_TEST_POSTGRES_URL is not set")])]
ROWS = [
    "INSERT INTO consult_consultation (id, question, description, audience, anonymity, hold_for_review, "
    "rating_target, created_at) VALUES (1, 'q', '', 'invited', 'anonymous', false, 15, '2026-11-01 09:00:00')",
    "INSERT INTO consult_participant (id, consultation_id, key_hash) VALUES ('p1', 1, 'k1'), ('p2', 1, 'k2'), "
    "('p3', 1, 'k3')",
    # Totals that disagree with the ratings below, as a bulk load that skipped the service would leave them.
    "INSERT INTO consult_thought (id, consultation_id, number, text, status, ratings, star_sum, star_squares, skips) "
    "VALUES ('t1', 1, 101, 'Flexible start times', 'visible', 9, 9, 9, 9), "
    "('t2', 1, 102, 'Batch cooking', 'visible', 3, 3, 3, 3)",
    "INSERT INTO consult_rating (id, thought_id, participant_id, stars) VALUES ('r1', 't1', 'p1', 4), "
    "('r2', 't1', 'p2', 2), ('r3', 't1', 'p3', NULL)",
]


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'speed.db'}"
    else:
        async with fresh_postgres_database(postgres_url() or "") as url:
            yield url


async def test_the_upgrade_recomputes_each_thoughts_totals_and_indexes_a_participants_ratings(database: str) -> None:
    migrate.upgrade(database, BEFORE)
    engine = create_async_engine(database, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            for statement in ROWS:
                await conn.execute(text(statement))
        migrate.upgrade(database, REVISION)
        async with engine.connect() as conn:
            totals = (await conn.execute(text(
                "SELECT id, ratings, star_sum, star_squares, skips FROM consult_thought ORDER BY id"))).all()
            indexes = await conn.run_sync(lambda sync: {i["name"]: i["column_names"] for i in
                                                        inspect(sync).get_indexes("consult_rating")})
        assert [tuple(row) for row in totals] == [("t1", 2, 6, 20, 1), ("t2", 0, 0, 0, 0)]
        assert indexes.get("ix_consult_rating_participant_thought") == ["participant_id", "thought_id", "stars"]
        assert "ix_consult_rating_participant" not in indexes

        migrate.downgrade(database, BEFORE)  # and back, leaving the ratings as they were
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM consult_rating"))).scalar_one() == 3
            indexes = await conn.run_sync(lambda sync: {i["name"] for i in inspect(sync).get_indexes("consult_rating")})
        assert "ix_consult_rating_participant" in indexes
    finally:
        await engine.dispose()
