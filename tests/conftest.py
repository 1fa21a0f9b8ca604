"""Shared fixtures: a fresh, migrated database per test on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.pg import admin_execute, database_url_named
from unionvote.app import create_app
from unionvote.config import Settings
from unionvote.migrate import upgrade
from unionvote.sealing import server_key

PG_URL = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("UNIONVOTE_TEST_REDIS_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
server_key.configure(TEST_SECRET)  # as the app factory does, for tests that call services without an app

needs_postgres = pytest.mark.skipif(not PG_URL, reason="UNIONVOTE_TEST_POSTGRES_URL is not set")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="UNIONVOTE_TEST_REDIS_URL is not set")
BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, needs_postgres])]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    assert PG_URL
    name = f"uv_tpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_execute(PG_URL, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(database_url_named(PG_URL, name))
        yield name
    finally:
        asyncio.run(admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own for each test, copied from a template (fast)."""
    if request.param == "sqlite":
        target = tmp_path / "unionvote-test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    assert PG_URL
    template = request.getfixturevalue("postgres_template")
    name = f"uv_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_execute(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield database_url_named(PG_URL, name)
    finally:
        asyncio.run(admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(database_url=database_url, secret_key=TEST_SECRET, dev_mode=True,
                                     cookie_secure=False, log_json=True)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        test_client.follow_redirects = False  # tests look at redirects the way a browser receives them
        yield test_client
