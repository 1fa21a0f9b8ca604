"""The demo: a free-standing ballot ready to open and two delegates who can vote on it from two browsers;
the motion on the floor has no pre-made ballot, and the chair puts its amendments to the vote from the pages."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db
from tests.integration.voting.pages_world import FOR_AGAINST_FORM, plain, token_on
from unionvote.accounts.models import User
from unionvote.demo import DEMO_PASSWORD, prepare
from unionvote.voting.demo import SECOND_DELEGATE_EMAIL
from unionvote.voting.models import Ballot


async def demo_login(client: AsyncTestClient[Litestar], app: Litestar, email: str) -> Visitor:
    async with app_db(app) as db:
        secret = (await db.execute(select(User.totp_secret).where(User.email == email))).scalar_one()
    visitor = Visitor(client)
    response = await visitor.log_in(email, DEMO_PASSWORD, totp_secret=secret)
    assert response.status_code == 303, response.text
    return visitor


async def test_two_demo_delegates_vote_on_the_prepared_ballot_and_see_the_result(
        client: AsyncTestClient[Litestar], app: Litestar, database_url: str) -> None:
    ctx = await prepare(database_url)
    assert ctx is not None
    conference_id, ballot_id = ctx.ids["conference"], ctx.ids["ballot"]
    async with app_db(app) as db:
        ballot = await db.get(Ballot, ballot_id)
        assert ballot is not None and ballot.state == "draft" and ballot.motion_id is None
        assert (await db.execute(select(Ballot).where(Ballot.motion_id.is_not(None)))).first() is None
    chair = await demo_login(client, app, "chair@demo.unionvote.test")
    base = f"/conferences/{conference_id}/ballots"
    assert (await chair.post(f"{base}/{ballot_id}/open")).status_code == 303

    for email, choice in (("delegate@demo.unionvote.test", "for"), (SECOND_DELEGATE_EMAIL, "for")):
        delegate = await demo_login(client, app, email)
        page = (await delegate.get(f"/conferences/{conference_id}/vote")).text
        assert "Greetings to the Northgate strikers" in page
        response = await delegate.post(f"/conferences/{conference_id}/vote/{ballot_id}",
                                       data={"choice": choice, "token": token_on(page)})
        assert response.status_code == 303, plain(response.text)
    assert (await chair.post(f"{base}/{ballot_id}/close")).status_code == 303
    assert (await chair.post(f"{base}/{ballot_id}/declare")).status_code == 303
    result = plain((await delegate.get(f"/conferences/{conference_id}/vote/{ballot_id}/receipt")).text)
    assert "Result declared" in result and "Carried" in result

    # The motion on the floor is ready to debate: the chair puts its first amendment to the vote in one step,
    # and a second amendment can be prepared from the ballots page with its own words.
    floor = plain((await chair.get(f"/conferences/{conference_id}/floor")).text)
    assert "Motion 1: Fair pay now" in floor and "Put to the vote now" in floor
    first = re.search(r'name="amendment_id" value="(\d+)"', (await chair.get(f"/conferences/{conference_id}/floor")
                                                              ).text).group(1)  # type: ignore[union-attr]
    put = await chair.post(f"/conferences/{conference_id}/floor/put-to-vote", data={"amendment_id": first})
    assert put.status_code == 303, plain(put.text)
    console = (await chair.get(base)).text
    link = re.search(r'href="(/conferences/\d+/ballots/new\?amendment_id=\d+)">Prepare a ballot: (Amendment 1\.\d)',
                     console)
    assert link, plain(console)
    form = (await chair.get(link.group(1).replace("&amp;", "&"))).text
    amendment_id = re.search(r'name="amendment_id" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    created = await chair.post(base, data={**FOR_AGAINST_FORM, "amendment_id": amendment_id})
    assert created.status_code == 303, plain(created.text)
    new_console = plain((await chair.get(created.headers["location"])).text)
    assert f"{link.group(2)} to Motion 1" in new_console and "Not open yet" in new_console
