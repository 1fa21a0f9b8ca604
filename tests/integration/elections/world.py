"""An election seen through the browser: a conference with a register, the committee, delegates."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import Visitor, app_db, make_conference
from tests.integration.conferences.web_world import World, delegate_logged_in, load_register, logged_in
from unionvote.accounts.models import Role
from unionvote.conferences.lookup import bodies_of
from unionvote.db import utcnow
from unionvote.elections.models import Election


@dataclass
class ElectionWorld:
    register: World
    committee: Visitor
    ann: Visitor  # delegate A1, of the London body
    bodies: dict[str, int]  # code -> id

    @property
    def base(self) -> str:
        return f"/conferences/{self.register.conference_id}/elections"


async def election_world(client: AsyncTestClient[Litestar], app: Litestar) -> ElectionWorld:
    conference_id = await make_conference(app)
    register = World(conference_id, await load_register(app, conference_id))
    committee = await logged_in(client, app, "cac@union.example", conference_id, Role.CAC)
    ann = await delegate_logged_in(client, app, register, "A1")
    async with app_db(app) as db:
        bodies = {b.code: b.id for b in await bodies_of(db, conference_id)}
    return ElectionWorld(register, committee, ann, bodies)  # type: ignore[arg-type]


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


async def set_up(world: ElectionWorld, *, title: str = "Standing orders committee", seats: int = 2,
                 rule: str = "scottish-stv") -> str:
    """The committee sets up an election through the form; returns its page's path."""
    response = await world.committee.post(world.base, data={
        "title": title, "seats": str(seats), "rule": rule, "nominator_kind": "body", "statement_limit": "200",
        "closes_at": (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 303, plain(response.text)
    return response.headers["location"].split("?")[0]


async def nominate(visitor: Visitor, world: ElectionWorld, election: str, name: str, statement: str = ""
                   ) -> None:
    response = await visitor.post(f"{election}/nominations", data={
        "candidate_name": name, "body_id": str(world.bodies["LON"]), "statement": statement})
    assert response.status_code == 303, plain(response.text)


async def nominations_close_now(app: Litestar, election: str) -> None:
    """Time passes: the close of nominations is behind us."""
    election_id = int(election.rsplit("/", 1)[1])
    async with app_db(app) as db:
        await db.execute(update(Election).where(Election.id == election_id)
                         .values(nominations_close_at=utcnow() - timedelta(minutes=1)))
