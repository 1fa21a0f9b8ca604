"""With Redis configured, sessions and login rate limits live in Redis, shared by every worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from tests.conftest import REDIS_URL, make_settings, needs_redis
from tests.helpers import Visitor, make_user
from unionvote.app import create_app
from unionvote.security import token_digest

pytestmark = [needs_redis, pytest.mark.redis]


@pytest.fixture
async def redis_app(database_url: str) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    assert REDIS_URL
    namespace = f"uvtest{uuid.uuid4().hex[:8]}"
    app = create_app(make_settings(database_url, redis_url=REDIS_URL, redis_namespace=namespace,
                                   login_attempts_per_minute=3))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.follow_redirects = False
        yield app, client


async def test_a_login_is_kept_in_redis_and_ended_everywhere(
    redis_app: tuple[Litestar, AsyncTestClient[Litestar]],
) -> None:
    app, client = redis_app
    email = f"dana-{uuid.uuid4().hex[:8]}@branch.example"
    user_id, _ = await make_user(app, email, totp=False)
    phone, laptop = Visitor(client), Visitor(client)
    await phone.log_in(email)
    await laptop.log_in(email)
    redis = Redis.from_url(REDIS_URL)
    try:
        ns = app.state.settings.redis_namespace
        assert await redis.exists(f"{ns}:session:{token_digest(phone.jar['uv_session'])}")
        assert (await laptop.get("/account")).status_code == 200

        await phone.post("/logout/everywhere")

        assert not await redis.exists(f"{ns}:session:{token_digest(laptop.jar['uv_session'])}")
        assert not await redis.exists(f"{ns}:user-sessions:{user_id}")
    finally:
        await redis.aclose()
    response = await laptop.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_the_login_rate_limit_is_counted_in_redis(
    redis_app: tuple[Litestar, AsyncTestClient[Litestar]],
) -> None:
    _, client = redis_app
    visitor = Visitor(client)
    email = f"nobody-{uuid.uuid4().hex[:8]}@branch.example"
    statuses = [(await visitor.log_in(email, "wrong-password-000")).status_code for _ in range(4)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3] == 429
