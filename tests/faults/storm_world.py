"""A register big enough for a storm: many accredited delegates, a session on now, an API token for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from tests.e2e.world import in_own_loop
from unionvote.accounts.services import create_api_token, create_user
from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.security import new_totp_secret


@dataclass(frozen=True)
class StormWorld:
    conference_id: int
    session_id: int
    delegate_ids: list[int]
    desk_token: str  # an administrator's API token


async def _build(database_url: str, delegates: int) -> StormWorld:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            now = utcnow()
            conference = await create_conference(db, slug="storm-2027", name="Storm Conference", by=None)
            cid: int = conference.id  # type: ignore[assignment]
            await import_bodies(db, cid, b"code,name,kind,membership\nLON,London,branch,5000\n", by=None)
            rows = "".join(f"{300000 + n},Delegate {n},d{n}@storm.example,LON,delegate\n" for n in range(delegates))
            await import_delegates(db, cid, ("membership number,name,email,body code,role\n" + rows).encode(), by=None)
            session = await presence.add_business_session(db, cid, name="Storm session", by=None,
                                                          starts_at=now - timedelta(hours=1),
                                                          ends_at=now + timedelta(hours=4))
            ids = list((await db.execute(select(Delegate.id).where(Delegate.conference_id == cid)
                                         .order_by(Delegate.id))).scalars())
            for delegate_id in ids:
                await accreditation.accredit(db, delegate_id, note="Card seen", by=None)
            admin = await create_user(db, email="desk@storm.example", display_name="Desk", password=None,
                                      is_admin=True)
            admin.totp_secret, admin.totp_enabled = new_totp_secret(), True  # staff must have two-factor
            _, token = await create_api_token(db, user_id=admin.id, name="storm desk")  # type: ignore[arg-type]
            return StormWorld(cid, session.id, ids, token)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def build_storm_world(database_url: str, delegates: int = 60) -> StormWorld:
    return in_own_loop(_build(database_url, delegates))


async def _present(database_url: str, session_id: int) -> set[int]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            return set(await presence.present_in(db, session_id))
    finally:
        await engine.dispose()


def present(database_url: str, session_id: int) -> set[int]:
    """Who the database says is checked in: the system of record, not any worker's memory."""
    return in_own_loop(_present(database_url, session_id))
