"""A throwaway PostgreSQL database per test (or per module), dropped afterwards.

    async with fresh_postgres_database(os.environ["UNIONVOTE_TEST_POSTGRES_URL"]) as url:
        ...  # url points at an empty database uv_test_<random> on the same server

The database named in base_url is only used to issue CREATE/DROP DATABASE; it
is never dropped itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy import make_url, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from unionvote.config import normalise_database_url

POSTGRES_URL_ENV = "UNIONVOTE_TEST_POSTGRES_URL"
DATABASE_PREFIX = "uv_test_"
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})
_DROP_DATABASE = re.compile(r'\s*DROP\s+DATABASE\s+(?:IF\s+EXISTS\s+)?"?(?P<name>[^"\s;]+)', re.IGNORECASE)


def postgres_url() -> str | None:
    """The server to test against, or None when PostgreSQL tests should be skipped."""
    return os.environ.get(POSTGRES_URL_ENV) or None


def database_url_named(base_url: str, name: str) -> str:
    """base_url pointing at database `name` on the same server, password kept."""
    url = make_url(normalise_database_url(base_url)).set(database=name)
    return url.render_as_string(hide_password=False)


async def admin_execute(base_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that).

    Refuses to drop the database base_url names or a system database.
    """
    dropped = _DROP_DATABASE.match(statement)
    protected = {make_url(normalise_database_url(base_url)).database, *PROTECTED_DATABASES}
    if dropped and dropped["name"] in protected:
        raise RuntimeError(f"refusing to drop database {dropped['name']!r}")
    engine = create_async_engine(
        normalise_database_url(base_url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _scratch(base_url: str) -> tuple[str, str]:
    """(scratch database name, its URL) for a new uv_test_<random> database."""
    name = DATABASE_PREFIX + secrets.token_hex(6)
    return name, database_url_named(base_url, name)


def _create(name: str) -> str:
    return f'CREATE DATABASE "{name}"'


def _drop(name: str) -> str:
    # FORCE ends connections a failed test may have left open (PostgreSQL 13+).
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


@asynccontextmanager
async def fresh_postgres_database(base_url: str) -> AsyncIterator[str]:
    """Create uv_test_<random> on base_url's server, yield its URL, then drop it."""
    name, url = _scratch(base_url)
    await admin_execute(base_url, _create(name))
    try:
        yield url
    finally:
        await admin_execute(base_url, _drop(name))


@contextmanager
def fresh_postgres_database_sync(base_url: str) -> Iterator[str]:
    """The same for synchronous code; use it while no event loop is running."""
    name, url = _scratch(base_url)
    asyncio.run(admin_execute(base_url, _create(name)))
    try:
        yield url
    finally:
        asyncio.run(admin_execute(base_url, _drop(name)))
