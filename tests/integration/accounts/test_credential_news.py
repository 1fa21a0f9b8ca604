"""A worker listens for PostgreSQL's announcements of changed logins; when that connection is lost it forgets
every login it remembered, goes back to the short memory, and listens again by itself."""

from __future__ import annotations

import asyncio
import time

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from tests.helpers import app_db, make_user
from unionvote.accounts.services import create_api_token
from unionvote.credential_news import APPLICATION_NAME


async def _news(client: AsyncTestClient[Litestar], wanted: str, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await client.get("/healthz")).json()["login_news"] == wanted:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"the worker's login news was not {wanted!r} within {within} s")


async def test_a_lost_listening_connection_forgets_every_login_and_listens_again(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    if app.state.settings.is_sqlite:
        assert (await client.get("/healthz")).json()["login_news"] == "not used"
        return
    cache = app.state.credential_cache
    await _news(client, "listening")
    assert cache.lifetime == 600
    user_id, _ = await make_user(app, "listener@branch.example")
    async with app_db(app) as db:
        _, token = await create_api_token(db, user_id=user_id, name="phone")
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert len(cache) == 1  # remembered

    async with app_db(app) as db:
        ended = (await db.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE application_name = :name AND datname = current_database()"),
                                  {"name": APPLICATION_NAME})).scalars().all()
    assert ended == [True]
    await _news(client, "not listening")
    assert len(cache) == 0 and cache.lifetime == 30  # deaf: nothing remembered, short memory

    await _news(client, "listening")
    assert cache.lifetime == 600
