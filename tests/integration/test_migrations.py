"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

import unionvote.models
from tests.pg import fresh_postgres_database, postgres_url
from unionvote import migrate

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(postgres_url() is None, reason="UNIONVOTE_TEST_POSTGRES_URL is not set"),
    ]),
]


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database that has never been migrated."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    else:
        async with fresh_postgres_database(postgres_url() or "") as url:
            yield url


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    base = postgres_url()
    if base is None:
        pytest.skip("UNIONVOTE_TEST_POSTGRES_URL is not set")
    async with fresh_postgres_database(base) as url:
        yield url


async def on_connection(url: str, fn: Any) -> Any:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def schema_differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, unionvote.models.metadata)


def leftovers(conn: Connection) -> set[str]:
    """Tables, and on PostgreSQL our trigger function, still present in the database."""
    names = set(inspect(conn).get_table_names())
    if conn.dialect.name == "postgresql":
        functions = conn.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'audit_entry%'"))
        names |= {f"function {name}" for name in functions.scalars()}
    return names


async def assert_schema_matches_models(url: str) -> None:
    diff = await on_connection(url, schema_differences)
    assert diff == [], "the migrated schema differs from the models:\n" + pformat(diff)


async def test_upgrade_builds_the_schema_the_models_describe(empty_database: str) -> None:
    assert migrate.current(empty_database) is None

    migrate.upgrade(empty_database)

    assert migrate.current(empty_database) == migrate.head()
    await assert_schema_matches_models(empty_database)


async def test_downgrade_to_base_and_upgrade_again(empty_database: str) -> None:
    migrate.upgrade(empty_database)

    migrate.downgrade(empty_database, "base")
    assert migrate.current(empty_database) is None
    assert await on_connection(empty_database, leftovers) <= {"alembic_version"}

    migrate.upgrade(empty_database)
    assert migrate.current(empty_database) == migrate.head()
    await assert_schema_matches_models(empty_database)


def test_upgrade_runs_from_synchronous_code(tmp_path: Path) -> None:
    """`unionvote db upgrade` calls us with no event loop running."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    migrate.upgrade(url)

    assert migrate.current(url) == migrate.head()


def test_every_models_module_is_in_the_metadata() -> None:
    assert {"user_account", "conference", "role_grant", "audit_entry", "audit_head"} <= set(
        unionvote.models.metadata.tables
    )


# --- PostgreSQL: the audit chain cannot be rewritten -------------------------------------------

ENTRY = {
    "scope": "conference:1", "seq": 1, "at": "2026-11-22T14:00:00Z", "actor": "user:1",
    "action": "conference.created", "payload": '{"name":"Annual conference"}',
    "prev_hash": "0" * 64, "hash": "a" * 64,
}


async def test_audit_entries_can_be_appended_but_never_changed_or_removed(postgres_database: str) -> None:
    migrate.upgrade(postgres_database)
    engine = create_async_engine(postgres_database, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO audit_entry (scope, seq, at, actor, action, payload, prev_hash, hash) "
                     "VALUES (:scope, :seq, :at, :actor, :action, :payload, :prev_hash, :hash)"),
                ENTRY,
            )

        for statement in (
            "UPDATE audit_entry SET action = 'conference.deleted'",
            "UPDATE audit_entry SET hash = prev_hash WHERE seq = 1",
            "DELETE FROM audit_entry",
            "TRUNCATE audit_entry",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))

        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT scope, seq, at, actor, action, payload, prev_hash, hash FROM audit_entry"
            ))).mappings().all()
        assert [dict(row) for row in rows] == [ENTRY]
    finally:
        await engine.dispose()
