"""Delegates rank the candidates on a plain form; the count runs when the ballot closes."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.conferences.web_world import accredit, check_in, delegate_logged_in, session_now
from tests.integration.elections.world import election_world, nominate, nominations_close_now, plain, set_up

NAMES = ("Ann Smith", "Bob Jones", "Cath Lee")


def rank_fields(page: str) -> dict[str, str]:
    """candidate name -> the form field for their rank."""
    return {name: field for field, name in re.findall(r'<label class="label" for="(rank-\d+)">([^<]+)</label>', page)}


async def test_delegates_rank_candidates_and_the_closed_ballot_is_counted(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    voters = {"A1": world.ann}
    for number in ("A2", "M1", "L1"):
        voters[number] = await delegate_logged_in(client, app, world.register, number)
    session_id = await session_now(app, world.register.conference_id)
    ids = [world.register.delegates[n] for n in voters]
    await accredit(app, *ids)
    await check_in(app, session_id, *ids)

    election = await set_up(world)
    for name in NAMES:
        await nominate(world.ann, world, election, name)
    page = (await world.committee.get(election)).text
    for nomination_id in re.findall(r'action="[^"]*/nominations/(\d+)/decision"', page):
        await world.committee.post(f"{election}/nominations/{nomination_id}/decision", data={"verdict": "valid"})
    await nominations_close_now(app, election)
    await world.committee.post(f"{election}/close")
    response = await world.committee.post(f"{election}/ballot")
    assert response.headers["location"].endswith("?done=voting-open")

    form = (await world.ann.get(f"{election}/vote")).text
    fields = rank_fields(form)
    assert set(fields) == set(NAMES)
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)

    async def vote(who: str, ranks: dict[str, str], token: str = "") -> str:
        if not token:
            token = re.search(r'name="token" value="([^"]+)"', (await voters[who].get(f"{election}/vote")).text
                              ).group(1)
        data = {"token": token, **{fields[name]: rank for name, rank in ranks.items()}}
        response = await voters[who].post(f"{election}/vote", data=data)
        return plain(response.text)

    assert "You gave rank 1 to Ann Smith and Bob Jones: each rank goes to one candidate only." in await vote(
        "A1", {"Ann Smith": "1", "Bob Jones": "1"}, token)
    assert "You gave rank 3 but no rank 2" in await vote("A1", {"Ann Smith": "1", "Cath Lee": "3"}, token)
    assert "Rank at least one candidate" in await vote("A1", {}, token)
    receipt = await vote("A1", {"Ann Smith": "1", "Bob Jones": "2"}, token)
    assert "Your vote has been recorded" in receipt
    again = await vote("A1", {"Ann Smith": "1", "Bob Jones": "2"}, token)
    assert re.search(r"receipt: (\S+)", again).group(1) == re.search(r"receipt: (\S+)", receipt).group(1)
    assert "You have voted in this election." in plain((await world.ann.get(f"{election}/vote")).text)
    await vote("A2", {"Bob Jones": "1"})
    await vote("M1", {"Ann Smith": "1", "Cath Lee": "2"})
    await vote("L1", {"Ann Smith": "1"})

    response = await world.committee.post(f"{election}/ballot/close")
    assert response.status_code == 303
    sheet = plain((await world.ann.get(f"{election}/result")).text)
    assert "Quota 2.00000" in sheet  # 4 papers, 2 seats
    assert "Elected Ann Smith Bob Jones" in sheet
    assert "Stage 2: Surplus of Ann Smith" in sheet and "+0.33333" in sheet
    [declared] = await audit_entries(app, action="election.declared")
    assert '"rule":"scottish-stv"' in declared.payload
    assert len(await audit_entries(app, action="ballot.closed")) == 1
