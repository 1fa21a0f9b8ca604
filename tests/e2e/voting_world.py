"""What the voting journeys add to the world: delegates already checked in to the session on now.

Seeded straight through the conference services, as `world.py` seeds the rest.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.e2e.world import Person, World, in_own_loop
from unionvote.conferences import presence
from unionvote.conferences.register import Delegate
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


async def _check_in(database_url: str, world: World, people: tuple[Person, ...]) -> None:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            sitting = (await presence.business_sessions(db, world.conference_id))[0]
            emails = [p.email for p in people]
            delegates = (await db.execute(select(Delegate).where(
                Delegate.conference_id == world.conference_id, Delegate.email.in_(emails)))).scalars()  # type: ignore[attr-defined]
            for delegate in delegates:
                await presence.check_in(db, delegate.id, sitting.id, by=None)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def checked_in(database_url: str, world: World, *people: Person) -> None:
    """`people` (delegates of the world with accounts) are checked in to the world's session."""
    in_own_loop(_check_in(database_url, world, people))
