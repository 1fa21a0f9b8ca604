"""A conference floor for voting tests: bodies, delegates with accounts, a session running now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.conferences.builders import STAFF, arrive, bodies_csv, delegates_csv, ids, load, session_now
from unionvote.accounts.services import create_user
from unionvote.conferences import accreditation
from unionvote.db import session_scope
from unionvote.voting.receipts import new_token
from unionvote.voting.services import BallotSpec, create_ballot, open_ballot

Factory = async_sessionmaker[AsyncSession]


@dataclass
class Floor:
    conference_id: int
    session_id: int
    delegates: dict[str, int]  # membership number -> delegate id
    users: dict[str, int]  # membership number -> account id


async def floor(factory: Factory, conference_id: int, *, bodies: tuple[tuple[str, int], ...] = (("LON", 1000),),
                people: tuple[tuple[str, ...], ...] | None = None, present: tuple[str, ...] | None = None) -> Floor:
    """Import the register, give every person an account, accredit and check in `present` (default: all)."""
    people = people or tuple((f"D{i}", "LON", "delegate") for i in range(1, 6))
    await load(factory, conference_id, bodies=bodies_csv(*bodies), delegates=delegates_csv(*people))  # type: ignore[arg-type]
    delegates = await ids(factory, conference_id)
    users = {}
    async with session_scope(factory) as db:
        for number, delegate_id in delegates.items():
            user = await create_user(db, email=f"{number.lower()}@example.org", display_name=number, password=None)
            await accreditation.link_account(db, delegate_id, user.id, by=STAFF)  # type: ignore[arg-type]
            users[number] = user.id
    session_id = await session_now(factory, conference_id)
    await arrive(factory, session_id, *(delegates[n] for n in (present if present is not None else delegates)))
    return Floor(conference_id, session_id, delegates, users)  # type: ignore[arg-type]


async def open_new(factory: Factory, conference_id: int, spec: BallotSpec | None = None) -> int:
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, conference_id, spec or BallotSpec(title="Motion 1", question="Carry it?"),
                                     by=STAFF)
        await open_ballot(db, ballot.id, by=STAFF)  # type: ignore[arg-type]
        return ballot.id  # type: ignore[return-value]


def token() -> str:
    return new_token()
