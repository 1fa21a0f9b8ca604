"""A whole ballot through the pages, without JavaScript: the chair prepares and opens it, two delegates vote,
a reload still says they voted, the chair closes and declares, and everyone sees the result and their tracker."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import app_db
from tests.integration.voting.pages_world import floor, open_ballot, plain, prepare, token_on
from unionvote.voting.models import Ballot, BallotContent, Participation, SealedVote, Secrecy

TRACKER = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")


async def votes_stored(app: Litestar, ballot_id: int) -> tuple[int, int]:
    """Voters and votes stored: sealed for a secret ballot (no readable content row at all), in the clear if open."""
    async with app_db(app) as db:
        voters = (await db.execute(select(func.count()).select_from(Participation)
                                   .where(Participation.ballot_id == ballot_id))).scalar_one()
        contents = (await db.execute(select(func.count()).select_from(BallotContent)
                                     .where(BallotContent.ballot_id == ballot_id))).scalar_one()
        sealed = (await db.execute(select(func.count()).select_from(SealedVote)
                                   .where(SealedVote.ballot_id == ballot_id))).scalar_one()
        ballot = await db.get(Ballot, ballot_id)
        assert ballot is not None and (contents if ballot.secrecy == Secrecy.SECRET else sealed) == 0
        return voters, contents + sealed


async def test_a_ballot_from_the_chairs_console_to_the_declared_result(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    console = plain((await f.chair.get(f"{f.ballots}/{ballot_id}")).text)
    assert "Not open yet" in console and "More than half of the valid votes" in console

    before = plain((await f.delegates["A1"].get(f.vote)).text)
    assert "No vote is open now." in before and "Fair pay now" not in before  # a draft is not shown
    await open_ballot(f, ballot_id)

    trackers = {}
    for number, choice in (("A1", "for"), ("M1", "against")):
        delegate = f.delegates[number]
        page = (await delegate.get(f.vote)).text
        assert "Indicative ballot." in page
        assert '<legend>Your vote</legend>' in page and 'type="radio"' in page and 'name="_csrf_token"' in page
        response = await delegate.post(f"{f.vote}/{ballot_id}", data={"choice": choice, "token": token_on(page)})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"{f.vote}/{ballot_id}/receipt"
        receipt = plain((await delegate.get(response.headers["location"])).text)
        assert "Your vote has been recorded." in receipt
        trackers[number] = TRACKER.search(receipt).group(0)  # type: ignore[union-attr]
        again = plain((await delegate.get(f.vote)).text)  # a reload
        assert "You have voted." in again and trackers[number] in again and "Cast my vote" not in again
    assert trackers["A1"] != trackers["M1"]
    assert await votes_stored(app, ballot_id) == (2, 2)

    console = plain((await f.chair.get(f"{f.ballots}/{ballot_id}")).text)
    assert "2 of 2 have voted." in console and "Carried" not in console and "Lost" not in console

    assert (await f.chair.post(f"{f.ballots}/{ballot_id}/close")).status_code == 303
    response = await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    assert response.status_code == 303, response.text

    result = plain((await f.delegates["A1"].get(f"{f.vote}/{ballot_id}/receipt")).text)
    assert "Result declared" in result and "Lost" in result  # one for, one against: no majority
    assert "For 1" in result and "Against 1" in result
    listing = (await f.delegates["M1"].get(f"{f.vote}/{ballot_id}/trackers")).text
    assert trackers["A1"] in listing and trackers["M1"] in listing
    assert f'class="tracker--mine">{trackers["M1"]}' in listing
    assert "it is in the list, so your vote was counted." in plain(listing)


async def test_the_vote_survives_a_new_device_without_its_tracker(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app, present=("A1",))
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    page = (await f.delegates["A1"].get(f.vote)).text
    await f.delegates["A1"].post(f"{f.vote}/{ballot_id}", data={"choice": "for", "token": token_on(page)})
    f.delegates["A1"].jar.delete(f"uv_tracker_{ballot_id}", domain="testserver.local",
                                 path=f"/conferences/{f.conference_id}/vote")
    again = plain((await f.delegates["A1"].get(f.vote)).text)
    assert "You have voted." in again and "Your tracker was shown on the device you voted from." in again


async def test_up_to_k_offers_checkboxes_and_refuses_too_many(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app, present=("A1",))
    ballot_id = await prepare(f, title="Priorities", question="Which two campaigns come first?", method="up_to_k",
                              options="Pay\nPensions\nSafety", max_choices="2", majority="plurality")
    await open_ballot(f, ballot_id)
    page = (await f.delegates["A1"].get(f.vote)).text
    assert "<legend>Your vote: choose up to 2</legend>" in page and page.count('type="checkbox"') >= 3
    refused = await f.delegates["A1"].post(f"{f.vote}/{ballot_id}", data={
        "choice": ["pay", "pensions", "safety"], "token": token_on(page)})
    assert refused.status_code == 400
    assert "Choose at most 2 options; you chose 3." in plain(refused.text)
    assert await votes_stored(app, ballot_id) == (0, 0)
    response = await f.delegates["A1"].post(f"{f.vote}/{ballot_id}", data={
        "choice": ["safety", "pay"], "token": token_on(page)})
    assert response.status_code == 303
    assert await votes_stored(app, ballot_id) == (1, 1)
