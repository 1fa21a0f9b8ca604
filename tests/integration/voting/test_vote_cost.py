"""What one vote costs the database: on PostgreSQL one statement in one transaction once the worker knows the
open ballot (the login answered from memory), and a pooled connection that died while resting is replaced
before a request can trip over it. SQLite takes the longer road, counted too, so a statement added to either
road fails here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select, text

from tests.helpers import app_db
from tests.integration.accounts.test_credential_cache import statements
from tests.integration.voting.pages_world import floor
from tests.integration.voting.test_api import api_ballot, cast
from unionvote import db as db_module
from unionvote.accounts.models import User
from unionvote.accounts.services import create_api_token
from unionvote.config import Settings
from unionvote.db import make_engine
from unionvote.voting.open_ballots import open_ballots_for
from unionvote.voting.receipts import new_token


def postgres_only(app: Litestar) -> None:
    if app.state.settings.is_sqlite:
        pytest.skip("SQLite serialises every transaction; sharing one across a request is for PostgreSQL")


# The app's own clockwork: the countdown closer (once a second) and the turnout counter's re-reads.
BACKGROUND = ("_close_due_forever", "_flush_soon")


@contextmanager
def transactions_begun(app: Litestar) -> Iterator[list[int]]:
    begun = [0]

    def count(_connection: Any) -> None:
        task = asyncio.current_task()
        coroutine = task.get_coro() if task is not None else None
        if not getattr(coroutine, "__qualname__", "").endswith(BACKGROUND):
            begun[0] += 1

    event.listen(app.state.engine.sync_engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(app.state.engine.sync_engine, "begin", count)


@contextmanager
def simple_queries() -> Iterator[list[str]]:
    """What requests send PostgreSQL outside prepared statements (BEGIN, COMMIT, ROLLBACK...), by asyncpg."""
    sent: list[str] = []
    original = asyncpg.connection.Connection.execute

    async def execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        coroutine = task.get_coro() if task is not None else None
        if not getattr(coroutine, "__qualname__", "").endswith(BACKGROUND):
            sent.append(query.split()[0].rstrip(";").upper())
        return await original(self, query, *args, **kwargs)

    asyncpg.connection.Connection.execute = execute  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        asyncpg.connection.Connection.execute = original  # type: ignore[method-assign]


async def test_a_delegate_vote_and_its_login_check_are_one_transaction(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    postgres_only(app)
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    delegate = f.delegates["A1"]
    await delegate.get("/login")  # the CSRF cookie, so the vote below is one request
    await asyncio.sleep(0.6)  # let the chair's live updates finish
    with transactions_begun(app) as begun:
        voted = await cast(delegate, ballot_id, ["for"], new_token())
    assert voted.status_code == 201, voted.text
    assert begun == [1]


async def test_an_api_token_vote_is_one_transaction_once_its_last_use_is_fresh(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    postgres_only(app)
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    async with app_db(app) as db:
        user_id = (await db.execute(select(User.id).where(User.email == "m1@branch.example"))).scalar_one()
        _, token = await create_api_token(db, user_id=user_id, name="phone app")
    bearer = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(0.6)
    with transactions_begun(app) as begun:
        first = await client.get(f"/api/v1/ballots/{ballot_id}", headers=bearer)
    assert first.status_code == 200, first.text
    # The token's read, ended before its first "last used" mark goes in a short one of its own (a request never
    # holds two of the pool's connections: tests/integration/accounts/test_pool_pressure.py), then the request's.
    assert begun == [3]
    with transactions_begun(app) as begun:
        voted = await client.post(f"/api/v1/ballots/{ballot_id}/votes", headers=bearer,
                                  json={"choice": ["against"], "token": new_token()})
    assert voted.status_code == 201, voted.text
    assert begun == [1]
    revoked = await client.get("/api/v1/me", headers={"Authorization": "Bearer uvt_not-a-token"})
    assert revoked.status_code == 401


# Statements one vote sends once the worker has read the open ballot and the voter's login: PostgreSQL's one
# statement (voting.cast_statement); SQLite's longer road (BEGIN IMMEDIATE, ballot and sealing, electorate
# entry, accreditation, participation insert, sealed vote insert).
STATEMENTS_PER_VOTE = {"postgresql": ["WITH"],
                       "sqlite": ["BEGIN", "SELECT", "SELECT", "SELECT", "INSERT", "INSERT"]}


async def test_a_sealed_vote_is_one_statement_once_the_worker_knows_the_open_ballot(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await api_ballot(f)  # secret: sealed by the server as it opens
    first = await cast(f.delegates["A1"], ballot_id, ["for"], new_token())  # this worker reads the ballot once
    assert first.status_code == 201, first.text
    delegate = f.delegates["M1"]
    assert (await delegate.get(f"/api/v1/ballots/{ballot_id}")).status_code == 200  # their login, from now in memory
    await asyncio.sleep(0.6)  # let the live updates finish
    with statements(app) as seen, simple_queries() as sent:
        voted = await cast(delegate, ballot_id, ["against"], new_token())
    assert voted.status_code == 201, voted.text
    assert seen == STATEMENTS_PER_VOTE[app.state.engine.dialect.name]
    if app.state.engine.dialect.name == "postgresql":
        # The statement is its own transaction (committed before it answers): no BEGIN or COMMIT round trips.
        assert sent == []
    assert (await delegate.get(f"/api/v1/ballots/{ballot_id}")).json()["turnout"]["voters"] == 2


async def test_a_worker_forgets_a_ballot_the_chair_closed_and_a_late_vote_is_refused(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    postgres_only(app)
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    assert (await cast(f.delegates["A1"], ballot_id, ["for"], new_token())).status_code == 201
    memory = open_ballots_for(app.state.engine.sync_engine)
    assert ballot_id in memory
    assert (await f.chair.post(f"/api/v1/ballots/{ballot_id}/close")).status_code == 200
    deadline = asyncio.get_running_loop().time() + 30  # the news comes over the live hub: at once, but wait generously
    while ballot_id in memory:
        assert asyncio.get_running_loop().time() < deadline, "the worker still remembers the closed ballot"
        await asyncio.sleep(0.05)
    late = await cast(f.delegates["M1"], ballot_id, ["against"], new_token())
    assert late.status_code == 409 and "closed" in late.text


async def test_a_connection_cut_while_resting_in_the_pool_is_replaced_before_use(
        client: AsyncTestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    postgres_only(app)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.05)
    assert (await client.get("/healthz")).json()["database"] == "ok"
    other = make_engine(Settings(database_url=app.state.settings.database_url))
    try:
        async with other.connect() as connection:
            cut = (await connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))).scalar_one()
    finally:
        await other.dispose()
    assert cut >= 1
    await asyncio.sleep(0.2)
    healthy = await client.get("/healthz")
    assert healthy.status_code == 200 and healthy.json()["database"] == "ok"
