"""Reps chase the non-voters of their own workplace: never a vote choice, never anyone outside it."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.models import Member
from unionvote.ballots.services import questions_of, scope_for
from unionvote.db import session_scope
from unionvote.voting.receipts import new_token


async def _vote(factory: async_sessionmaker[AsyncSession], ballot_id: int, number: str, answer: str) -> str:
    async with session_scope(factory) as db:
        member = (await db.execute(select(Member).where(Member.ballot_id == ballot_id,
                                                        Member.membership_number == number))).scalar_one()
        [question] = await questions_of(db, member.ballot_id)
        result = await cast_member_vote(db, member.ballot_id, member.id, {question.id: [answer]}, new_token())  # type: ignore[arg-type,dict-item]
        return str(result)


async def _member_id(factory: async_sessionmaker[AsyncSession], ballot_id: int, number: str) -> int:
    async with session_scope(factory) as db:
        return (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id,
                                                         Member.membership_number == number))).scalar_one()


async def _logged_in(client: AsyncTestClient[Litestar], app: Litestar, email: str, **kwargs: object) -> Visitor:
    _, secret = await make_user(app, email, **kwargs)  # type: ignore[arg-type]
    visitor = Visitor(client)
    await visitor.log_in(email, totp_secret=secret)
    return visitor


async def test_a_rep_chases_only_their_workplaces_non_voters_and_never_sees_a_choice(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot = await make_ballot(factory, {"Acme": 4, "Globex": 2})
    other = await make_ballot(factory, {"Acme": 1}, slug="hours-2027")
    admin = await _logged_in(client, app, "admin@union.example", admin=True)
    await make_user(app, "org@union.example", totp=True)
    assert (await admin.post(f"/member-ballots/{ballot}/organisers", data={"email": "org@union.example"})
            ).status_code == 303
    organiser = await _logged_in(client, app, "admin2@union.example", admin=True)
    rep_id, _ = await make_user(app, "rep@union.example")
    rep = Visitor(client)
    await rep.log_in("rep@union.example")
    bystander = await _logged_in(client, app, "someone@union.example")

    refused = await organiser.post(f"/member-ballots/{ballot}/reps", data={
        "email": "rep@union.example", "kind": "workplace", "value": "Nowhere depot"})
    assert refused.status_code == 404 and "No member of this ballot is in the workplace" in refused.text
    assert (await organiser.post(f"/member-ballots/{ballot}/reps", data={
        "email": "rep@union.example", "kind": "workplace", "value": "Acme depot"})).status_code == 303
    [granted] = await audit_entries(app, scope=scope_for(ballot), action="rep.granted")
    assert json.loads(granted.payload) == {"user_id": rep_id, "kind": "workplace"}
    assert (await organiser.post(f"/member-ballots/{ballot}/chase-message", data={
        "message": "Hi {first_name}, {rep} here: please vote in {ballot}."})).status_code == 303
    assert (await organiser.post(f"/member-ballots/{ballot}/chase-message", data={
        "message": "Hi {name}"})).status_code == 400

    await _vote(factory, ballot, "M1", "no")
    page = await rep.get(f"/chase/{ballot}")
    assert page.status_code == 200
    for chased in ("Member 2", "Member 3", "Member 4"):
        assert chased in page.text
    for unseen in ("Member 1<", "Member 5", "Member 6", "pay offer?", "tracker"):
        assert unseen not in page.text, unseen  # voted, outside the workplace, or how anyone voted
    assert 'href="sms:07700900002?body=Hi%20Member%2C%20Rep%20here%3A%20please%20vote%20in%20Pay%20offer%202027.' \
        in page.text
    assert 'href="tel:07700900002"' in page.text
    assert "<script" not in page.text.split("<main", 1)[1]  # the list is plain links and forms

    m2, m3, m5 = [await _member_id(factory, ballot, n) for n in ("M2", "M3", "M5")]
    assert (await rep.post(f"/chase/{ballot}/outcome", data={"member_id": str(m2), "outcome": "will-vote"})
            ).status_code == 303
    assert (await rep.post(f"/chase/{ballot}/outcome", data={"member_id": str(m3), "outcome": "no-contact"})
            ).status_code == 303
    outside = await rep.post(f"/chase/{ballot}/outcome", data={"member_id": str(m5), "outcome": "spoke"})
    assert outside.status_code == 404 and "not on your chase list" in outside.text
    assert (await rep.post(f"/chase/{ballot}/outcome", data={"member_id": str(m2), "outcome": "maybe"})
            ).status_code == 400
    assert len(await audit_entries(app, scope=scope_for(ballot), action="chase.outcome")) == 2

    await _vote(factory, ballot, "M2", "yes")
    fragment = await rep.get(f"/chase/{ballot}/list")
    assert "Member 4" in fragment.text and "Member 2" not in fragment.text and "Member 3" not in fragment.text
    assert "Not voted yet: 1" in fragment.text

    figures = await organiser.get(f"/member-ballots/{ballot}/chasing")
    assert figures.status_code == 200
    row = figures.text.split("Rep<br>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:5]]
    assert cells == ["Workplace: Acme depot", "2", "1", "50.0% (2 of 4)"], cells
    place = figures.text.split("By workplace", 1)[1].split("Acme depot</th>", 1)[1].split("</tr>", 1)[0]
    assert ">2<" in place and "50.0% (2 of 4)" in place

    for path in (f"/chase/{other}", f"/member-ballots/{ballot}/chasing"):
        assert (await rep.get(path)).status_code == 403, path
    assert (await bystander.get(f"/chase/{ballot}")).status_code == 403
    assert (await bystander.post(f"/chase/{ballot}/outcome", data={"member_id": str(m5), "outcome": "spoke"})
            ).status_code == 403
    mine = await rep.get("/my-member-ballots")
    assert f'href="/chase/{ballot}"' in mine.text

    assert (await organiser.post(f"/member-ballots/{ballot}/reps/remove", data={"user_id": str(rep_id)})
            ).status_code == 303
    assert (await rep.get(f"/chase/{ballot}")).status_code == 403
