"""What a member's vote by link costs the database: on PostgreSQL the form is one read (the member by their link;
the worker remembers the open ballot) and the vote one more read and one statement, each a transaction of its own
with no BEGIN or COMMIT sent. SQLite takes the longer road, counted too, so a statement added to either fails here.
The database stays the authority: a stale copy of the ballot lets no vote in, and a member votes once."""

from __future__ import annotations

import asyncio
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text

from tests.helpers import Visitor, app_db, make_user
from tests.integration.accounts.test_credential_cache import statements
from tests.integration.ballots.world import issued_ballot
from tests.integration.voting.test_vote_cost import simple_queries
from unionvote.accounts.services import create_api_token
from unionvote.ballots.models import MemberParticipation, MemberSealedVote, MemberTurnout

FORM = {"postgresql": ["SELECT"],
        # BEGIN, the member by link (the ballot remembered here too)
        "sqlite": ["BEGIN", "SELECT"]}
VOTE = {"postgresql": ["SELECT", "WITH"],
        # BEGIN, the member by link, the ballot (after its gate), the member, the sealing, participation,
        # the sealed answer, the member's mark (the questions remembered)
        "sqlite": ["BEGIN", "SELECT", "SELECT", "SELECT", "SELECT", "INSERT", "INSERT", "UPDATE"]}


async def _form(member: Visitor, link: str) -> tuple[str, str]:
    """The voting form's ballot token and question field."""
    form = await member.get(f"/vote/{link}")
    assert form.status_code == 200, form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    return token, re.search(r'name="(q\d+)"', form.text).group(1)  # type: ignore[union-attr]


async def _voted(app: Litestar, ballot_id: int) -> tuple[int, int, int]:
    """Participation rows, sealed answers and the dashboard's count of voters (by employer)."""
    async with app_db(app) as db:
        return ((await db.execute(select(func.count()).select_from(MemberParticipation).where(
                    MemberParticipation.ballot_id == ballot_id))).scalar_one(),
                (await db.execute(select(func.count()).select_from(MemberSealedVote))).scalar_one(),
                (await db.execute(select(func.coalesce(func.sum(MemberTurnout.voted), 0)).where(
                    MemberTurnout.ballot_id == ballot_id, MemberTurnout.kind == "employer"))).scalar_one())


async def test_a_members_form_and_vote_by_link_cost_three_round_trips(client: AsyncTestClient[Litestar],
                                                                     app: Litestar) -> None:
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 3})
    first = Visitor(client)
    token, field = await _form(first, links["Member 1"])  # the worker reads the open ballot once
    assert (await first.post(f"/vote/{links['Member 1']}", data={"token": token, field: "yes"})).status_code == 201
    await asyncio.sleep(0.6)  # let the dashboard's live update finish
    dialect = app.state.engine.dialect.name
    member = Visitor(client)
    with statements(app) as seen, simple_queries() as sent:
        token, field = await _form(member, links["Member 2"])
    assert seen == FORM[dialect]
    with statements(app) as seen, simple_queries() as sent_voting:
        voted = await member.post(f"/vote/{links['Member 2']}", data={"token": token, field: "no"})
    assert voted.status_code == 201, voted.text
    assert "Your vote is recorded" in voted.text
    assert seen == VOTE[dialect], " ".join(seen)
    if dialect == "postgresql":
        assert sent == [] and sent_voting == []  # each its own transaction: no BEGIN or COMMIT round trips
    assert await _voted(app, ballot_id) == (2, 2, 2)
    again = await member.get(f"/vote/{links['Member 2']}")
    assert "A vote has already been cast with this credential" in again.text


async def test_a_vote_sent_twice_at_once_is_counted_once(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 2})
    link = links["Member 1"]
    member, other_tab = Visitor(client), Visitor(client)
    (token, field), (other_token, _) = await _form(member, link), await _form(other_tab, link)
    answers = await asyncio.gather(member.post(f"/vote/{link}", data={"token": token, field: "yes"}),
                                   other_tab.post(f"/vote/{link}", data={"token": other_token, field: "no"}))
    assert sorted(answer.status_code for answer in answers) == [201, 409]
    assert await _voted(app, ballot_id) == (1, 1, 1)


async def test_a_ballot_closed_by_another_worker_takes_no_vote_from_this_ones_copy(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 2})
    member = Visitor(client)
    token, field = await _form(member, links["Member 1"])  # this worker now remembers the ballot as open
    async with app_db(app) as db:  # closed elsewhere: this worker hears nothing of it
        await db.execute(text("UPDATE member_ballot SET state = 'closed' WHERE id = :id"), {"id": ballot_id})
    late = await member.post(f"/vote/{links['Member 1']}", data={"token": token, field: "yes"})
    assert late.status_code == 409, late.text
    assert "Voting in this ballot has closed" in late.text
    assert await _voted(app, ballot_id) == (0, 0, 0)


async def test_the_dashboard_reads_turnout_in_one_round_trip_while_votes_arrive(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 2, "Bolt": 1})
    admin_id, _ = await make_user(app, "admin@union.example", admin=True)
    async with app_db(app) as db:
        _, plain = await create_api_token(db, user_id=admin_id, name="dashboard")
    bearer = {"Authorization": f"Bearer {plain}"}
    path = f"/api/v1/member-ballots/{ballot_id}/turnout?by=employer"
    assert (await client.get(path, headers=bearer)).status_code == 200  # first use: the token's last-used mark
    member = Visitor(client)
    token, field = await _form(member, links["Member 1"])
    assert (await member.post(f"/vote/{links['Member 1']}", data={"token": token, field: "yes"})).status_code == 201
    await asyncio.sleep(0.6)  # let the dashboard's live update finish
    with statements(app) as seen, simple_queries() as sent:
        shown = await client.get(path, headers=bearer)
    assert shown.status_code == 200, shown.text
    assert [(s["name"], s["entitled"], s["voted"]) for s in shown.json()["segments"]] == [
        ("Everyone", 3, 1), ("Acme", 2, 1), ("Bolt", 1, 0)]
    if app.state.engine.dialect.name == "postgresql":  # the ballot remembered, the counts read alone
        assert seen == ["SELECT"] and sent == []
