"""A conference floor for the fault tests: delegates with accounts and API tokens (their phones), all
accredited and checked in, one ballot open and one more ready as a draft; the chair's token runs them.

Seeded straight through the domain services, so a fault test starts from a known floor in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.e2e.world import in_own_loop
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_api_token, create_user, grant_role
from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.security import hash_password, new_totp_secret
from unionvote.voting.models import Participation
from unionvote.voting.services import BallotSpec, create_ballot, open_ballot

CHOICES = ("for", "against", "abstain")


@dataclass(frozen=True)
class VoteFloor:
    conference_id: int
    ballot_id: int  # open: every delegate on the floor is in its electorate
    draft_id: int  # a second ballot, not yet open (for "the chair opens a vote" events)
    phones: list[str]  # one API token per delegate, in the register's order
    emails: list[str]  # their login names (with the password, when the floor was built with one)
    chair_token: str  # an administrator's API token: opens, closes and declares

    def choice_of(self, n: int) -> str:
        """What delegate `n` votes: a fixed, uneven mix, so a lost or doubled vote changes the tally."""
        return CHOICES[0] if n % 5 < 3 else CHOICES[1 + n % 2]


async def seat_on_the_floor(db: AsyncSession, delegate: Delegate, sitting_id: int) -> tuple[User, str]:
    """An account for the delegate, accredited and checked in to the sitting, with an API token (their phone)."""
    user = await create_user(db, email=delegate.email, display_name=delegate.name, password=None)  # type: ignore[arg-type]
    await accreditation.link_account(db, delegate.id, user.id, by=None)  # type: ignore[arg-type]
    await grant_role(db, user_id=user.id, conference_id=delegate.conference_id, role=Role.DELEGATE, by=None)  # type: ignore[arg-type]
    await accreditation.accredit(db, delegate.id, note="Card seen", by=None)  # type: ignore[arg-type]
    await presence.check_in(db, delegate.id, sitting_id, by=None)  # type: ignore[arg-type]
    return user, (await create_api_token(db, user_id=user.id, name="phone"))[1]  # type: ignore[arg-type]


async def _build(database_url: str, delegates: int, tag: str, password: str | None) -> VoteFloor:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            now = utcnow()
            conference = await create_conference(db, slug=f"floor-{tag}", name=f"Floor Conference {tag}", by=None)
            cid: int = conference.id  # type: ignore[assignment]
            await import_bodies(db, cid, b"code,name,kind,membership\nLON,London,branch,5000\n", by=None)
            rows = "".join(f"{400000 + n},Delegate {n},v{n}.{tag}@floor.example,LON,delegate\n"
                           for n in range(delegates))
            await import_delegates(db, cid, ("membership number,name,email,body code,role\n" + rows).encode(), by=None)
            sitting = await presence.add_business_session(db, cid, name="Floor session", by=None,
                                                          starts_at=now - timedelta(hours=1),
                                                          ends_at=now + timedelta(hours=4))
            register = list((await db.execute(select(Delegate).where(Delegate.conference_id == cid)
                                              .order_by(Delegate.id))).scalars())
            phones, password_hash = [], hash_password(password) if password is not None else None
            for delegate in register:
                user, phone = await seat_on_the_floor(db, delegate, sitting.id)  # type: ignore[arg-type]
                phones.append(phone)
                user.password_hash = password_hash
            chair = await create_user(db, email=f"chair.{tag}@floor.example", display_name="Chair", password=None,
                                      is_admin=True)
            chair.totp_secret, chair.totp_enabled = new_totp_secret(), True  # staff must have two-factor
            _, chair_token = await create_api_token(db, user_id=chair.id, name="chair's laptop")  # type: ignore[arg-type]
            ballot = await create_ballot(db, cid, BallotSpec(title="Motion 1: a fair pay claim",
                                                             question="Does conference carry Motion 1?"), by=None)
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
            draft = await create_ballot(db, cid, BallotSpec(title="Motion 2: branch funding",
                                                            question="Does conference carry Motion 2?"), by=None)
            return VoteFloor(cid, ballot.id, draft.id, phones, [d.email for d in register],  # type: ignore[arg-type,misc]
                             chair_token)
    finally:
        await engine.dispose()


def build_vote_floor(database_url: str, delegates: int, tag: str = "f", password: str | None = None) -> VoteFloor:
    return in_own_loop(_build(database_url, delegates, tag, password))


async def _voters(database_url: str, ballot_id: int) -> int:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            return int((await db.execute(select(func.count()).select_from(Participation)
                                         .where(Participation.ballot_id == ballot_id))).scalar_one())
    finally:
        await engine.dispose()


def voters_recorded(database_url: str, ballot_id: int) -> int:
    """How many delegates the database says voted: the system of record, not any worker's memory."""
    return in_own_loop(_voters(database_url, ballot_id))
