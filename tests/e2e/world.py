"""What the journeys find when they arrive: a conference with a register, staff, delegates and links.

Seeded straight through the domain services into the server's database before the server starts,
so every journey begins from a known, small world.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers import PASSWORD
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_user, grant_role
from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.invitations import issue_invitation
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.security import hash_password, new_totp_secret

T = TypeVar("T")

BODIES = b"code,name,kind,membership\nLONC,London Central,branch,1200\nMANC,Manchester,branch,800\n"
DELEGATES = (
    "membership number,name,email,mobile,body code,role,lead\n"
    "200001,Nia Newcomer,nia.{tag}@branch.example,,LONC,delegate,\n"
    "200002,Sam Seated,sam.{tag}@branch.example,,MANC,delegate,yes\n"
    "200003,Ola Onward,ola.{tag}@branch.example,,LONC,delegate,yes\n"
)


@dataclass
class Person:
    email: str
    password: str = PASSWORD
    totp_secret: str | None = None
    user_id: int = 0


@dataclass
class World:
    """One conference and its people. `tag` keeps worlds apart, so many share one server and database."""

    tag: str
    conference_id: int = 0
    conference_name: str = ""
    slug: str = ""
    session_name: str = "Opening session"
    admin: Person = field(init=False)
    chair: Person = field(init=False)
    # An accredited delegate who has an enrolment link and no password yet.
    newcomer_link_token: str = ""
    newcomer_email: str = field(init=False)
    # Accredited delegates with a password, neither checked in yet.
    sam: Person = field(init=False)
    ola: Person = field(init=False)

    def __post_init__(self) -> None:
        self.conference_name, self.slug = f"Annual Delegate Conference {self.tag}", f"adc-{self.tag}"
        self.admin, self.chair = Person(f"admin.{self.tag}@union.example"), Person(f"chair.{self.tag}@union.example")
        self.newcomer_email = f"nia.{self.tag}@branch.example"
        self.sam, self.ola = Person(f"sam.{self.tag}@branch.example"), Person(f"ola.{self.tag}@branch.example")


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)  # argon2 is slow on purpose: hash each password once per test run


async def _account(db: AsyncSession, person: Person, *, is_admin: bool = False) -> User:
    user = await create_user(db, email=person.email, display_name=person.email.split(".")[0].title(), password=None,
                             is_admin=is_admin)
    user.password_hash = _password_hash(person.password)
    return user


async def build_world(database_url: str, quorum_delegates: int) -> World:
    world = World(uuid.uuid4().hex[:8])
    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    try:
        async with session_scope(make_session_factory(engine)) as db:
            now = utcnow()
            conference = await create_conference(db, slug=world.slug, name=world.conference_name, by=None)
            world.conference_id = conference.id  # type: ignore[assignment]
            await update_settings(db, world.conference_id, SettingsChange(
                starts_on=now.date(), ends_on=now.date() + timedelta(days=2), quorum_kind="delegates",
                quorum_value=str(quorum_delegates)), by=None)
            for person, role in ((world.admin, None), (world.chair, Role.CHAIR)):
                user = await _account(db, person, is_admin=role is None)
                person.totp_secret = user.totp_secret = new_totp_secret()
                user.totp_enabled = True
                person.user_id = user.id  # type: ignore[assignment]
                if role is not None:
                    await grant_role(db, user_id=user.id, conference_id=world.conference_id, role=role, by=None)  # type: ignore[arg-type]
            await import_bodies(db, world.conference_id, BODIES, by=None)
            await import_delegates(db, world.conference_id, DELEGATES.format(tag=world.tag).encode(), by=None)
            await presence.add_business_session(db, world.conference_id, name=world.session_name,
                                                starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8),
                                                by=None)
            register = {d.email: d for d in (await db.execute(
                select(Delegate).where(Delegate.conference_id == world.conference_id))).scalars()}
            for delegate in register.values():
                await accreditation.accredit(db, delegate.id, note="Union card seen", by=None)  # type: ignore[arg-type]
            issued = await issue_invitation(db, world.conference_id, register[world.newcomer_email].id,  # type: ignore[arg-type]
                                            settings=settings, by=None)
            world.newcomer_link_token = issued.token
            for person in (world.sam, world.ola):
                user = await _account(db, person)
                person.user_id = user.id  # type: ignore[assignment]
                await accreditation.link_account(db, register[person.email].id, user.id, by=None)  # type: ignore[arg-type]
                await grant_role(db, user_id=user.id, conference_id=world.conference_id, role=Role.DELEGATE, by=None)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    return world


def in_own_loop(work: Coroutine[object, object, T]) -> T:
    """Run `work` to the end on an event loop of its own: Playwright's sync API keeps one running here."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def seed_world(database_url: str, *, quorum_delegates: int = 2) -> World:
    """The journeys' world; quorum is met once `quorum_delegates` delegates have checked in."""
    return in_own_loop(build_world(database_url, quorum_delegates))
