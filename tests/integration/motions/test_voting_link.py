"""What the voting domain sees: the question in plain words, voting order, and results written back."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import app_db, audit_entries
from tests.integration.motions.world import Floor, body_ids, make_floor, plain, submit_motion
from unionvote.errors import RuleViolation
from unionvote.motions import agenda, committee
from unionvote.motions import floor as floor_rules
from unionvote.motions.amendments import submit_amendment
from unionvote.motions.common import motion_in
from unionvote.motions.voting_link import record_vote_outcome, votable_items, voting_subject


async def moved_with_amendments(app: Litestar, floor: Floor, motion_id: int, user_id: int) -> list[int]:
    """The committee admits and schedules the motion, Manchester's delegate amends it, the chair moves it."""
    bodies = await body_ids(app, floor.conference_id)
    async with app_db(app) as db:
        motion = await motion_in(db, floor.conference_id, motion_id)
        await committee.rule_motion(db, motion, in_order=True, reason="", by=None)
        section = await agenda.add_section(db, floor.conference_id, title="Pay", by=None)
        item = await agenda.add_item(db, floor.conference_id, section_id=section.id, title="Debate",  # type: ignore[arg-type]
                                     minutes=10, by=None)
        await agenda.schedule_motion(db, floor.conference_id, motion_id, item_id=item.id, by=None)
        made = [await submit_amendment(db, motion, body_id=bodies["MAN"], kind=kind, first_line=first,
                                       last_line=last, text=text, by=user_id, time_zone="Europe/London")
                for kind, first, last, text in [("insert", 2, 2, "and report back to conference."),
                                                ("delete", 1, 1, "")]]
        for amendment in made:
            await committee.rule_amendment(db, motion, amendment, in_order=True, reason="", by=None)
        await floor_rules.decide_motion(db, motion, action="move", by=None)
        return [a.id for a in made]  # type: ignore[misc]


async def manchester_user(app: Litestar) -> int:
    from sqlalchemy import select

    from unionvote.accounts.models import User
    async with app_db(app) as db:
        return (await db.execute(select(User.id).where(User.email == "m1@branch.example"))).scalar_one()


async def test_amendments_come_before_the_motion_and_results_are_written_back(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app, text="Pay has fallen.\nConference demands a rise.", kind="rule_change")
    async with app_db(app) as db:
        with pytest.raises(RuleViolation) as not_moved:
            await voting_subject(db, motion_id=motion_id)
        assert not_moved.value.status_code == 409 and "only a motion that has been moved" in str(not_moved.value)
    insert_id, delete_id = await moved_with_amendments(app, floor, motion_id, await manchester_user(app))

    async with app_db(app) as db:
        order = await votable_items(db, floor.conference_id)
        assert [(s.motion_id, s.amendment_id) for s in order] == [(motion_id, delete_id), (motion_id, insert_id),
                                                                   (motion_id, None)]
        assert order[0].title == "Amendment 1.2 to Rule change 1: Fair pay now"
        assert order[0].question == ("That Amendment 1.2 be carried: Delete line 1 of Rule change 1.\n\n"
                                     "Taking out:\nPay has fallen.")
        assert order[2].two_thirds and not order[0].two_thirds
        with pytest.raises(RuleViolation) as first_amendments:
            await voting_subject(db, motion_id=motion_id)
        assert first_amendments.value.status_code == 409
        assert "Vote on the amendments first (Amendment 1.2, Amendment 1.1)" in str(first_amendments.value)
        with pytest.raises(RuleViolation) as unknown:
            await voting_subject(db, amendment_id=99_999)
        assert unknown.value.status_code == 404
        await record_vote_outcome(db, amendment_id=insert_id, carried=True, ballot_id=41, actor="user:1")
        await record_vote_outcome(db, amendment_id=delete_id, carried=False, ballot_id=42, actor="system")
    async with app_db(app) as db:
        subject = await voting_subject(db, motion_id=motion_id)
        assert subject.question == ("That conference adopts Rule change 1: Fair pay now, as amended by Amendment 1.1:"
                                    " (a rule change: it needs a two-thirds majority)\n\n"
                                    "1  Pay has fallen.\n2  Conference demands a rise.\n"
                                    "3  and report back to conference.")
        await record_vote_outcome(db, motion_id=motion_id, carried=True, ballot_id=43, actor="system")
        with pytest.raises(RuleViolation) as twice:
            await record_vote_outcome(db, motion_id=motion_id, carried=False, ballot_id=44, actor="system")
        assert twice.value.status_code == 409
    motion = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}")).json()
    assert motion["state"] == "carried_as_amended"
    ballots = [json.loads(e.payload).get("ballot_id") for e in await audit_entries(app)
               if e.action in ("amendment.state", "motion.state")]
    assert ballots[-3:] == [41, 42, 43]


async def test_the_chair_puts_a_question_and_delegates_see_exactly_what_is_decided(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app, text="Pay has fallen.\nConference demands a rise.")
    insert_id, _ = await moved_with_amendments(app, floor, motion_id, await manchester_user(app))
    assert "Nothing is being put to the vote right now." in plain(
        (await floor.london.get(f"{floor.base}/voting-now")).text)
    assert (await floor.chair.post(f"{floor.base}/floor/deciding",
                                   data={"amendment_id": str(insert_id)})).status_code == 303
    now = plain((await floor.london.get(f"{floor.base}/voting-now")).text)
    assert "Amendment 1.1 to Motion 1: Fair pay now" in now
    assert "That Amendment 1.1 be carried: Insert after line 2 of Motion 1." in now
    assert "Putting in: and report back to conference." in now
    refused = await floor.chair.post(f"{floor.base}/floor/deciding", data={"motion_id": str(motion_id)})
    assert refused.status_code == 409 and "Vote on the amendments first" in plain(refused.text)
    assert (await floor.chair.post(f"{floor.base}/floor/amendments/{insert_id}",
                                   data={"confirm": "yes", "action": "lost"})).status_code == 303
    assert "Nothing is being put to the vote right now." in plain(
        (await floor.london.get(f"{floor.base}/voting-now")).text)
    remitted = await floor.chair.post(f"{floor.base}/floor/motions/{motion_id}",
                                     data={"confirm": "yes", "action": "remitted"})
    assert remitted.status_code == 303
    motion = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}")).json()
    assert motion["state"] == "remitted"
    amendments = (await floor.london.get(
        f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}/amendments")).json()
    assert sorted(a["state"] for a in amendments) == ["fell", "lost"]
