"""A conference with a small register and a member of staff, for the invitation and voting-code tests."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db, make_conference, make_user
from tests.integration.conferences.builders import bodies_csv
from unionvote.accounts.models import Role, User
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate

FORMULA_NAME = "=cmd|' /C calc'!A0"
PEOPLE = [  # membership number, name, email, mobile, body, role
    ("A1", "Ada Lovelace", "ada@branch.example", "+447700900001", "LON", "delegate"),
    ("B2", "Bayard Rustin", "bayard@branch.example", "", "LON", "delegate"),
    ("C3", FORMULA_NAME, "mallory@branch.example", "", "MAN", "delegate"),
    ("O1", "Olive Morris", "olive@branch.example", "", "", "observer"),
]
LINK_IN_PAGE = re.compile(r'value="(https?://[^"]+/enrol/([A-Za-z0-9_-]+))"')


def register_csv(people: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["membership number", "name", "email", "mobile", "body code", "role"])
    writer.writerows(people)
    return out.getvalue().encode()


@dataclass
class World:
    id: int
    slug: str
    delegates: dict[str, int]  # membership number -> delegate id
    staff: Visitor


async def load_people(app: Litestar, conference_id: int, people: list[tuple[str, ...]] = PEOPLE) -> dict[str, int]:
    async with app_db(app) as db:
        await import_bodies(db, conference_id, bodies_csv(("LON", 300), ("MAN", 200)), by=None)
        await import_delegates(db, conference_id, register_csv(people), by=None)
    async with app_db(app) as db:
        rows = await db.execute(select(Delegate.membership_number, Delegate.id)
                                .where(Delegate.conference_id == conference_id))
        return {number: ident for number, ident in rows.all()}


async def staff_of(app: Litestar, client: AsyncTestClient[Litestar], conference_id: int, email: str) -> Visitor:
    """Union staff of the conference, logged in with password and authenticator code."""
    _, secret = await make_user(app, email, roles=[(conference_id, Role.STAFF)])
    staff = Visitor(client)
    assert (await staff.log_in(email, totp_secret=secret)).status_code == 303
    return staff


async def conference_with_register(app: Litestar, client: AsyncTestClient[Litestar], slug: str = "adc-2027"
                                   ) -> World:
    conference_id = await make_conference(app, slug, f"Conference {slug}")
    delegates = await load_people(app, conference_id)
    return World(conference_id, slug, delegates, await staff_of(app, client, conference_id, f"staff@{slug}.example"))


async def issue_link_as_staff(conference: World, number: str) -> tuple[httpx.Response, str]:
    """Staff press 'Make link' for one delegate; returns the page and the token in the link it shows."""
    response = await conference.staff.post(
        f"/conferences/{conference.id}/invitations/{conference.delegates[number]}/issue")
    assert response.status_code == 200, response.text
    match = LINK_IN_PAGE.search(response.text)
    assert match is not None
    return response, match.group(2)


async def account_of(app: Litestar, email: str) -> User | None:
    async with app_db(app) as db:
        return (await db.execute(select(User).where(User.email == email))).scalar_one_or_none()


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
