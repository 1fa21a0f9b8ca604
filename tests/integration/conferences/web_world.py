"""A conference seen through the browser: staff, delegates with accounts, a register, a session running now.

Each helper opens its own unit of work on the app's database (see tests.helpers.app_db), so
the same helpers serve async tests and, through the client's blocking portal, websocket tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import Visitor, app_db, make_user
from tests.integration.conferences.builders import bodies_csv, delegates_csv
from unionvote.accounts.models import Role
from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.db import utcnow

BODIES = bodies_csv(("LON", 300), ("MAN", 200), ("LEE", 100))
REGISTER = delegates_csv(("A1", "LON", "delegate", "yes"), ("A2", "LON", "delegate"), ("S1", "LON", "substitute"),
                         ("M1", "MAN", "delegate", "yes"), ("L1", "LEE", "delegate", "yes"), ("O1", "", "observer"))


@dataclass
class World:
    conference_id: int
    delegates: dict[str, int] = field(default_factory=dict)  # membership number -> delegate id
    session_id: int | None = None


async def load_register(app: Litestar, conference_id: int, bodies: bytes = BODIES, register: bytes = REGISTER
                        ) -> dict[str, int]:
    async with app_db(app) as db:
        await import_bodies(db, conference_id, bodies, by=None)
        await import_delegates(db, conference_id, register, by=None)
    async with app_db(app) as db:
        rows = await db.execute(select(Delegate.membership_number, Delegate.id)
                                .where(Delegate.conference_id == conference_id))
        return {number: ident for number, ident in rows.all()}


async def session_now(app: Litestar, conference_id: int, name: str = "Tuesday morning") -> int:
    now = utcnow()
    async with app_db(app) as db:
        session = await presence.add_business_session(db, conference_id, name=name,
                                                      starts_at=now - timedelta(hours=1),
                                                      ends_at=now + timedelta(hours=2), by=None)
        return session.id  # type: ignore[return-value]


async def accredit(app: Litestar, *delegate_ids: int) -> None:
    async with app_db(app) as db:
        for delegate_id in delegate_ids:
            await accreditation.accredit(db, delegate_id, note="union card seen", by=None)


async def check_in(app: Litestar, session_id: int, *delegate_ids: int) -> None:
    async with app_db(app) as db:
        for delegate_id in delegate_ids:
            await presence.check_in(db, delegate_id, session_id, by=None)


async def delegate_account(app: Litestar, conference_id: int, delegate_id: int, email: str) -> int:
    """An account with the delegate role, linked to a register entry."""
    user_id, _ = await make_user(app, email, roles=[(conference_id, Role.DELEGATE)])
    async with app_db(app) as db:
        await accreditation.link_account(db, delegate_id, user_id, by=None)
    return user_id


async def delegate_status(app: Litestar, delegate_id: int) -> str:
    async with app_db(app) as db:
        delegate = await db.get(Delegate, delegate_id)
        assert delegate is not None
        return delegate.status


async def register_size(app: Litestar, conference_id: int) -> int:
    async with app_db(app) as db:
        return (await db.execute(select(func.count()).select_from(Delegate)
                                 .where(Delegate.conference_id == conference_id))).scalar_one()


async def logged_in(client: AsyncTestClient[Litestar], app: Litestar, email: str, conference_id: int | None = None,
                    role: Role | None = None, *, admin: bool = False) -> Visitor:
    """A person with `role` in the conference (or an administrator), logged in, two-factor answered."""
    roles = [(conference_id, role)] if conference_id is not None and role is not None else []
    _, secret = await make_user(app, email, roles=roles, admin=admin)  # type: ignore[arg-type]
    visitor = Visitor(client)
    response = await visitor.log_in(email, totp_secret=secret)
    assert response.status_code == 303, response.text
    return visitor


async def delegate_logged_in(client: AsyncTestClient[Litestar], app: Litestar, world: World, number: str
                             ) -> Visitor:
    email = f"{number.lower()}@branch.example"
    await delegate_account(app, world.conference_id, world.delegates[number], email)
    visitor = Visitor(client)
    assert (await visitor.log_in(email)).status_code == 303
    return visitor
