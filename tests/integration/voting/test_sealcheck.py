"""Cast-or-audit: a voter has the server seal their choice, checks it with the revealed randomness, then casts
a fresh one. A revealed sealed vote can never be cast, a cast one never revealed, and a forged one is refused."""

from __future__ import annotations

import json
import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import Visitor, app_db
from tests.integration.voting.pages_world import Floor, floor, open_ballot, prepare, token_on
from unionvote.sealing.group import Point, scalar_from_hex
from unionvote.voting.models import Participation, SealedVote, SpentSealing

JSON = {"accept": "application/json"}


@pytest.fixture(autouse=True)
def sealing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a sealing key for tests, kept out of the database")


async def sealed_for(delegate: Visitor, f: Floor, ballot_id: int, *choice: str) -> dict:  # type: ignore[type-arg]
    response = await delegate.post(f"{f.vote}/{ballot_id}/seal", json={"choice": list(choice)}, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def cast_prepared(delegate: Visitor, f: Floor, ballot_id: int, prepared: dict, choice: str  # type: ignore[type-arg]
                        ) -> tuple[int, str]:
    page = (await delegate.get(f"{f.vote}/{ballot_id}")).text
    response = await delegate.post(f"{f.vote}/{ballot_id}", data={
        "choice": choice, "token": token_on(page), "sealed": json.dumps(prepared["sealed"]),
        "handle": prepared["handle"]})
    return response.status_code, response.text


async def stored(app: Litestar, ballot_id: int) -> tuple[int, list[str]]:
    async with app_db(app) as db:
        voted = (await db.execute(select(func.count()).select_from(Participation)
                                  .where(Participation.ballot_id == ballot_id))).scalar_one()
        sealed = list((await db.execute(select(SealedVote.sealed).where(SealedVote.ballot_id == ballot_id))).scalars())
    return voted, sealed


async def test_a_voter_checks_a_sealing_which_is_then_never_castable_and_casts_a_fresh_one(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    voter = f.delegates["A1"]

    checked = await sealed_for(voter, f, ballot_id, "for")
    assert checked["options"] == ["for", "against", "abstain"] and checked["blank_slot"] is False
    assert await stored(app, ballot_id) == (0, []), "sealing to check stores nothing"
    revealed = await voter.post(f"{f.vote}/{ballot_id}/seal/reveal", headers=JSON,
                                json={"sealed": checked["sealed"], "handle": checked["handle"]})
    assert revealed.status_code == 200, revealed.text
    key = Point.from_hex(checked["election_key"])
    randomness = [scalar_from_hex(r, "randomness") for r in revealed.json()["randomness"]]
    for slot, r, m in zip(checked["sealed"]["slots"], randomness, (1, 0, 0), strict=True):  # "for" is the first
        assert Point.from_hex(slot["alpha"]) == Point.base_times(r)
        assert Point.from_hex(slot["beta"]) == key.times(r) + Point.base_times(m)

    status, page = await cast_prepared(voter, f, ballot_id, checked, "for")
    assert status == 409 and "cannot be cast" in page
    again = await voter.post(f"{f.vote}/{ballot_id}/seal/reveal", headers=JSON,
                             json={"sealed": checked["sealed"], "handle": checked["handle"]})
    assert again.status_code == 409
    welsh = await voter.post(f"{f.vote}/{ballot_id}/seal/reveal", headers={**JSON, "accept-language": "cy"},
                             json={"sealed": checked["sealed"], "handle": checked["handle"]})
    assert welsh.status_code == 409 and "ni ellir ei datgelu" in welsh.text, "a Welsh voter is refused in Welsh"
    assert await stored(app, ballot_id) == (0, []), "the challenged vote was not cast"

    fresh = await sealed_for(voter, f, ballot_id, "for")
    assert fresh["sealed"] != checked["sealed"]
    status, _ = await cast_prepared(voter, f, ballot_id, fresh, "for")
    assert status == 303
    voted, rows = await stored(app, ballot_id)
    assert voted == 1 and [json.loads(r) for r in rows] == [fresh["sealed"]], "exactly the sealed vote prepared"
    late = await voter.post(f"{f.vote}/{ballot_id}/seal/reveal", headers=JSON,
                            json={"sealed": fresh["sealed"], "handle": fresh["handle"]})
    assert late.status_code == 409, "a cast vote's randomness is never revealed"
    board = (await voter.get(f"{f.vote}/{ballot_id}/board.json")).json()
    assert len(board["trackers"]) == 1

    assert (await f.chair.post(f"{f.ballots}/{ballot_id}/close")).status_code == 303
    async with app_db(app) as db:
        assert not (await db.execute(select(SpentSealing))).scalars().all(), "spent handles are forgotten at close"


async def test_a_forged_or_borrowed_sealed_vote_is_refused_with_400_and_changes_nothing(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    voter, other = f.delegates["A1"], f.delegates["M1"]

    prepared = await sealed_for(voter, f, ballot_id, "for")
    forged = json.loads(json.dumps(prepared))
    slots = forged["sealed"]["slots"]
    slots[0]["beta"], slots[1]["beta"] = slots[1]["beta"], slots[0]["beta"]  # "for" moved to "against"
    status, page = await cast_prepared(voter, f, ballot_id, forged, "against")
    assert status == 400 and "not sealed by this server for you" in page
    status, page = await cast_prepared(other, f, ballot_id, prepared, "for")  # someone else's
    assert status == 400 and "not sealed by this server for you" in page
    status, page = await cast_prepared(voter, f, ballot_id, prepared, "against")  # not the choice it seals
    assert status == 400 and "not of the choice sent with it" in page
    status, page = await cast_prepared(voter, f, ballot_id, {"sealed": "{", "handle": "x"}, "for")
    assert status == 400
    assert await stored(app, ballot_id) == (0, [])
    async with app_db(app) as db:
        assert not (await db.execute(select(SpentSealing))).scalars().all()

    status, _ = await cast_prepared(voter, f, ballot_id, prepared, "for")  # the genuine one still casts
    assert status == 303
    assert (await stored(app, ballot_id))[0] == 1


async def test_the_voting_page_stays_small_and_loads_the_check_only_when_the_voter_asks(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    for path in (f.vote, f"{f.vote}/{ballot_id}"):
        page = (await f.delegates["A1"].get(path)).text
        assert len(page.encode()) < 50_000
        assert '<div class="sealcheck" data-sealcheck hidden>' in page, "without JavaScript the check is not offered"
        loads = re.findall(r'src="(/static/js/sealcheck-start\.[0-9a-f]{12}\.js)"', page)  # fingerprinted
        assert loads and "noble" not in page and "sealcheck.js" not in page.replace(loads[0], "")
    loader = await f.delegates["A1"].get("/static/js/sealcheck-start.js")
    assert loader.status_code == 200 and len(loader.content) < 2_000
