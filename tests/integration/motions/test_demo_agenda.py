"""The demo conference comes with a realistic agenda, and a motion on the floor ready for a vote."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.conferences.conftest import factory  # noqa: F401 - the fixture
from unionvote.conferences.demo import seed_register
from unionvote.db import session_scope
from unionvote.demo import DemoContext, _seed_people
from unionvote.motions.amendments import amendments_of, overlapping_amendments
from unionvote.motions.demo import seed_motions
from unionvote.motions.models import AgendaPublication, Motion
from unionvote.motions.voting_link import votable_items


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_demo_agenda_has_every_kind_of_business(database_url: str, factory) -> None:  # noqa: F811
    ctx = DemoContext()
    async with session_scope(factory) as db:  # the seeders before ours, and ours; other domains' play no part
        for seeder in (_seed_people, seed_register, seed_motions):
            await seeder(db, ctx)
    async with session_scope(factory) as db:
        motions = list((await db.execute(select(Motion).order_by(Motion.number))).scalars())
        kinds = {m.kind for m in motions}
        states = [m.state for m in motions]
        assert len(motions) >= 12 and {"composite", "emergency", "rule_change"} <= kinds
        assert states.count("composited") == 2 and "ruled_out" in states and states.count("moved") == 1
        moved = next(m for m in motions if m.state == "moved")
        assert overlapping_amendments(await amendments_of(db, moved.id))  # type: ignore[arg-type]
        assert (await db.execute(select(func.count()).select_from(AgendaPublication))).scalar_one() == 2
        order = [s.title for s in await votable_items(db, ctx.ids["conference"])]
    assert order == ["Amendment 1.1 to Motion 1: Fair pay now", "Amendment 1.2 to Motion 1: Fair pay now",
                     "Amendment 1.3 to Motion 1: Fair pay now", "Motion 1: Fair pay now"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_motions_page_shows_the_demo_agenda(app, client) -> None:
    from tests.helpers import Visitor, app_db, make_user
    from tests.integration.motions.world import plain

    ctx = DemoContext()
    async with app_db(app) as db:
        for seeder in (_seed_people, seed_register, seed_motions):
            await seeder(db, ctx)
    _, secret = await make_user(app, "officer@union.example", admin=True)
    admin = Visitor(client)
    assert (await admin.log_in("officer@union.example", totp_secret=secret)).status_code == 303
    base = f"/conferences/{ctx.ids['conference']}"
    pages = {
        "/agenda": "Final agenda, version 2",
        "/motions": "Emergency: closure of the Northgate depot",
        "/motions/1": "Overlaps with Amendment 1.2",
        "/motions/new": "Submit a motion",
        "/committee": "Amendment 1.1 and Amendment 1.2 change the same lines of Motion 1",
        "/floor": "Amendment 1.1 to Motion 1: Fair pay now",
        "/voting-now": "Nothing is being put to the vote right now.",
        "/motion-book": "Composite motion 13: Composite: flat-rate pay for the lowest paid",
    }
    for path, expected in pages.items():
        response = await admin.get(base + path)
        assert response.status_code == 200, path
        assert expected in plain(response.text), path
