"""What the trustee journey adds to the world: a returning officer with two-factor, as staff would have made."""

from __future__ import annotations

from tests.e2e.world import Person, World, _account, in_own_loop
from unionvote.accounts.models import Role
from unionvote.accounts.services import grant_role
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.security import new_totp_secret


async def _returning_officer(database_url: str, world: World) -> Person:
    person = Person(f"ro.{world.tag}@union.example")
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            user = await _account(db, person)
            person.totp_secret = user.totp_secret = new_totp_secret()
            user.totp_enabled = True
            person.user_id = user.id  # type: ignore[assignment]
            await grant_role(db, user_id=user.id, conference_id=world.conference_id,  # type: ignore[arg-type]
                             role=Role.RETURNING_OFFICER, by=None)
    finally:
        await engine.dispose()
    return person


def returning_officer(database_url: str, world: World) -> Person:
    return in_own_loop(_returning_officer(database_url, world))
