"""A small world for hostile requests: one conference with a register, an administrator with an API token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tests.e2e.world import World, build_world, in_own_loop
from unionvote.accounts.services import create_api_token
from unionvote.conferences.register import Delegate
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


@dataclass(frozen=True)
class ApiWorld:
    world: World
    admin_token: str  # every scope
    read_token: str  # the administrator's, with the read scope only
    delegate_ids: list[int]


async def _with_token(database_url: str) -> ApiWorld:
    world = await build_world(database_url, 2)
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            _, token = await create_api_token(db, user_id=world.admin.user_id, name="fuzzing",
                                              scopes=("read", "vote", "manage"))
            _, reader = await create_api_token(db, user_id=world.admin.user_id, name="fuzzing, read only",
                                               scopes=("read",))
            ids = list((await db.execute(select(Delegate.id).order_by(Delegate.id))).scalars())
    finally:
        await engine.dispose()
    return ApiWorld(world, token, reader, ids)  # type: ignore[arg-type]


def seed_api_world(database_url: str) -> ApiWorld:
    return in_own_loop(_with_token(database_url))
