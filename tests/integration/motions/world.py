"""A conference with a register, delegates with accounts, a committee member and a chair, all logged in."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference
from tests.integration.conferences.web_world import accredit, delegate_account, load_register, logged_in
from unionvote.accounts.models import Role

MOTION_TEXT = """Conference notes that pay has fallen behind prices for ten years.
Conference believes every worker deserves a decent wage.

Conference instructs the executive to:
campaign for a real pay rise;
ballot members on action if needed."""


@dataclass
class Floor:
    conference_id: int
    delegates: dict[str, int]
    london: Visitor  # delegate A1 of LON
    manchester: Visitor  # delegate M1 of MAN
    committee: Visitor
    chair: Visitor

    @property
    def base(self) -> str:
        return f"/conferences/{self.conference_id}"


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


async def body_ids(app: Litestar, conference_id: int) -> dict[str, int]:
    from tests.helpers import app_db
    from unionvote.conferences.lookup import bodies_of

    async with app_db(app) as db:
        return {b.code: b.id for b in await bodies_of(db, conference_id)}  # type: ignore[misc]


async def make_floor(client: AsyncTestClient[Litestar], app: Litestar) -> Floor:
    conference_id = await make_conference(app)
    delegates = await load_register(app, conference_id)
    await accredit(app, delegates["A1"], delegates["M1"])
    visitors = {}
    for number in ("A1", "M1"):
        email = f"{number.lower()}@branch.example"
        await delegate_account(app, conference_id, delegates[number], email)
        visitor = Visitor(client)
        assert (await visitor.log_in(email)).status_code == 303
        visitors[number] = visitor
    committee = await logged_in(client, app, "cac@union.example", conference_id, Role.CAC)
    chair = await logged_in(client, app, "chair@union.example", conference_id, Role.CHAIR)
    return Floor(conference_id, delegates, visitors["A1"], visitors["M1"], committee, chair)


async def submit_motion(floor: Floor, app: Litestar, *, title: str = "Fair pay now", text: str = MOTION_TEXT,
                        kind: str = "ordinary", body: str = "LON", who: Visitor | None = None, **extra: str) -> int:
    bodies = await body_ids(app, floor.conference_id)
    response = await (who or floor.london).post(f"{floor.base}/motions", data={
        "body_id": str(bodies[body]), "title": title, "text": text, "kind": kind, **extra})
    assert response.status_code == 303, plain(response.text)
    return int(response.headers["location"].split("/motions/")[1].split("?")[0])
