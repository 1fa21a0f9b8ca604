"""With Redis configured, login sessions live in Redis and in the database: when Redis goes away people stay
logged in, can log in and out, and the login rate limit still counts; when Redis returns empty, nobody has to
log in again. A private redis-server of this test's own is stopped, never the shared one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from tests.conftest import make_settings
from tests.faults.cluster import PrivateRedis, private_redis, private_redis_available
from tests.helpers import Visitor, make_user
from unionvote.app import create_app
from unionvote.security import token_digest

pytestmark = [pytest.mark.redis, pytest.mark.skipif(not private_redis_available(), reason="needs redis-server")]

World = tuple[Litestar, AsyncTestClient[Litestar], PrivateRedis]


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    with private_redis(tmp_path) as redis:
        app = create_app(make_settings(database_url, redis_url=redis.url, redis_namespace="uvoutage",
                                       login_attempts_per_minute=3))
        # Try Redis on every request (not rest a few seconds after a failure), so the first one after it returns does.
        app.state.session_store.breaker.pause = 0
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            client.follow_redirects = False
            yield app, client, redis


async def _in_redis(redis: PrivateRedis, token: str) -> bool:
    client = Redis.from_url(redis.url)
    try:
        return bool(await client.exists(f"uvoutage:session:{token_digest(token)}"))
    finally:
        await client.aclose()


async def test_people_stay_logged_in_and_can_log_in_while_redis_is_down_and_after_it_returns(world: World) -> None:
    app, client, redis = world
    email = f"dana-{uuid.uuid4().hex[:8]}@branch.example"
    await make_user(app, email, totp=False)
    before, leaving = Visitor(client), Visitor(client)
    await before.log_in(email)
    await leaving.log_in(email)
    assert await _in_redis(redis, before.jar["uv_session"])

    redis.kill()
    assert (await before.get("/account")).status_code == 200
    during = Visitor(client)
    assert (await during.log_in(email)).status_code == 303
    assert (await during.get("/account")).status_code == 200
    assert (await leaving.post("/logout")).status_code in (200, 303)
    assert (await leaving.get("/account")).headers["location"].startswith("/login")

    redis.start()  # same port, empty: the database still holds every session
    for browser in (before, during):
        assert (await browser.get("/account")).status_code == 200
    assert (await leaving.get("/account")).headers["location"].startswith("/login")
    assert await _in_redis(redis, during.jar["uv_session"])  # copied back from the record


async def test_a_log_out_everywhere_during_an_outage_holds_when_redis_returns_with_its_memory(world: World) -> None:
    app, client, redis = world
    email = f"eli-{uuid.uuid4().hex[:8]}@branch.example"
    await make_user(app, email, totp=False)
    phone, laptop = Visitor(client), Visitor(client)
    await phone.log_in(email)
    await laptop.log_in(email)
    snapshot = Redis.from_url(redis.url)
    await snapshot.save()  # redis-server loads it when started again: a Redis that was cut off, not emptied
    await snapshot.aclose()

    redis.kill()
    await phone.post("/logout/everywhere")
    assert (await laptop.get("/account")).headers["location"].startswith("/login")
    redis.start()
    assert await _in_redis(redis, laptop.jar["uv_session"])  # the stale copy came back ...
    assert (await laptop.get("/account")).headers["location"].startswith("/login")
    assert not await _in_redis(redis, laptop.jar["uv_session"])  # ... and was dropped, as the record says


async def test_the_login_rate_limit_still_counts_while_redis_is_down(world: World) -> None:
    _, client, redis = world
    redis.kill()
    visitor = Visitor(client)
    email = f"nobody-{uuid.uuid4().hex[:8]}@branch.example"
    statuses = [(await visitor.log_in(email, "wrong-password-000")).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
