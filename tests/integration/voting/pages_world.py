"""A conference floor seen through browsers: a chair, delegates with accounts, checked in to a session running now."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference
from tests.integration.conferences.web_world import (
    World,
    accredit,
    check_in,
    delegate_logged_in,
    load_register,
    logged_in,
    session_now,
)
from unionvote.accounts.models import Role

FOR_AGAINST_FORM = {"title": "Motion 4: Fair pay now", "question": "That conference backs the fair pay campaign.",
                    "method": "for_against_abstain", "secrecy": "secret", "weighting": "one_each",
                    "majority": "simple", "base": "valid", "quorum": "none", "tie_rule": "falls"}
TOKEN_FIELD = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')


@dataclass
class Floor:
    world: World
    chair: Visitor
    delegates: dict[str, Visitor]  # membership number -> their browser

    @property
    def conference_id(self) -> int:
        return self.world.conference_id

    @property
    def ballots(self) -> str:
        return f"/conferences/{self.conference_id}/ballots"

    @property
    def vote(self) -> str:
        return f"/conferences/{self.conference_id}/vote"


async def floor(client: AsyncTestClient[Litestar], app: Litestar, present: tuple[str, ...] = ("A1", "M1")
                ) -> Floor:
    """Conference, register, a session now; `present` accredited, checked in and logged in; the chair logged in."""
    conference_id = await make_conference(app)
    world = World(conference_id, await load_register(app, conference_id), await session_now(app, conference_id))
    await accredit(app, *(world.delegates[n] for n in present))
    await check_in(app, world.session_id, *(world.delegates[n] for n in present))  # type: ignore[arg-type]
    delegates = {n: await delegate_logged_in(client, app, world, n) for n in present}
    chair = await logged_in(client, app, "chair@union.example", conference_id, Role.CHAIR)
    return Floor(world, chair, delegates)


async def prepare(f: Floor, **changes: str) -> int:
    """The chair prepares a ballot from the console's form; returns its id."""
    response = await f.chair.post(f.ballots, data={**FOR_AGAINST_FORM, **changes})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("?done=created")
    return int(location.split("?")[0].rsplit("/", 1)[1])


async def open_ballot(f: Floor, ballot_id: int) -> None:
    response = await f.chair.post(f"{f.ballots}/{ballot_id}/open")
    assert response.status_code == 303, response.text


def token_on(page: str) -> str:
    match = TOKEN_FIELD.search(page)
    assert match, "the ballot form carries a ballot token"
    return match.group(1)


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))
