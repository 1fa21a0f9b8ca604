"""A busy floor never deadlocks on the database pool: a request marking its login "last used" holds at most one
of the pool's connections at a time, so requests that each need a mark cannot all wait on each other."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

import unionvote.db
from tests.conftest import make_settings
from tests.helpers import app_db, make_conference, make_user
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token
from unionvote.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


async def test_requests_with_fresh_tokens_go_through_a_pool_of_one_connection(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite reads the login in a transaction of its own before the handler, with no pool to share")
    real = unionvote.db.create_async_engine

    def one_connection(url: Any, **kwargs: Any) -> Any:
        # Every request in turn takes the only connection; one that wanted a second would wait for itself.
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=20)
        return real(url, **kwargs)

    monkeypatch.setattr(unionvote.db, "create_async_engine", one_connection)
    app = create_app(make_settings(database_url, credential_cache_seconds=0))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        conference_id = await make_conference(app)
        bearers = []
        for n in range(4):
            user_id, _ = await make_user(app, f"delegate{n}@branch.example", roles=[(conference_id, Role.DELEGATE)])
            async with app_db(app) as db:
                _, plain = await create_api_token(db, user_id=user_id, name="phone app")
            bearers.append({"Authorization": f"Bearer {plain}"})  # never used: its first use writes the mark
        answers = await asyncio.gather(*(client.get("/api/v1/me", headers=bearer) for bearer in bearers))
    assert [a.status_code for a in answers] == [200] * 4, [a.text[:200] for a in answers]
