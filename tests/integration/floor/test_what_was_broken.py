"""Each way the chair's floor was broken, tried through the pages as a chair and delegates would."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db, audit_entries
from tests.integration.floor.world import Debate, debate, plain
from unionvote.conferences.models import Conference
from unionvote.motions.models import Amendment, Motion
from unionvote.voting.models import Ballot

BALLOT_FORM = {"method": "for_against_abstain", "secrecy": "secret", "weighting": "one_each", "majority": "simple",
               "base": "valid", "quorum": "none", "tie_rule": "falls"}


async def move(d: Debate, motion_id: int | None = None) -> None:
    response = await d.chair.post(f"{d.base}/floor/motions/{motion_id or d.motion_id}",
                                  data={"action": "move", "confirm": "yes"})
    assert response.status_code == 303, plain(response.text)


async def ballots(app: Litestar) -> list[Ballot]:
    async with app_db(app) as db:
        return list((await db.execute(select(Ballot).order_by(Ballot.id))).scalars())


async def motion_state(app: Litestar, motion_id: int) -> str:
    async with app_db(app) as db:
        return (await db.get(Motion, motion_id)).state  # type: ignore[union-attr]


async def amendment_state(app: Litestar, amendment_id: int) -> str:
    async with app_db(app) as db:
        return (await db.get(Amendment, amendment_id)).state  # type: ignore[union-attr]


async def make_inquorate(app: Litestar, d: Debate) -> None:
    """The conference's quorum becomes 50 delegates; two are present."""
    async with app_db(app) as db:
        conference = await db.get(Conference, d.floor.conference_id)
        conference.quorum_kind, conference.quorum_value = "delegates", "50"  # type: ignore[union-attr]


async def inquorate_with_a_draft(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[Debate, int]:
    """An inquorate conference and a free-standing draft ballot prepared on the console."""
    d = await debate(client, app)
    await make_inquorate(app, d)
    response = await d.chair.post(f"{d.base}/ballots", data={**BALLOT_FORM, "title": "Suspend standing orders",
                                                             "question": "That standing orders be suspended."})
    return d, int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])


async def test_a_ballot_on_an_amendment_is_prepared_from_the_ballots_page(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    listing = plain((await d.chair.get(f"{d.base}/ballots")).text)
    assert "Prepare a ballot: Amendment 1.2 to Motion 1: Fair pay now" in listing
    form = await d.chair.get(f"{d.base}/ballots/new?amendment_id={d.amendment_ids[1]}")
    assert form.status_code == 200
    response = await d.chair.post(f"{d.base}/ballots", data={**BALLOT_FORM, "amendment_id": str(d.amendment_ids[1])})
    assert response.status_code == 303, plain(response.text)
    [ballot] = await ballots(app)
    assert ballot.title == "Amendment 1.2 to Motion 1: Fair pay now" and ballot.amendment_id == d.amendment_ids[1]


async def test_a_ballot_on_a_motion_is_prepared_from_the_ballots_page(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    for amendment_id in d.amendment_ids:
        response = await d.chair.post(f"{d.base}/floor/amendments/{amendment_id}",
                                      data={"action": "accepted", "confirm": "yes"})
        assert response.status_code == 303, plain(response.text)
    page = await d.chair.get(f"{d.base}/ballots/new?motion_id={d.motion_id}")
    assert page.status_code == 200, plain(page.text)
    response = await d.chair.post(f"{d.base}/ballots", data={**BALLOT_FORM, "motion_id": str(d.motion_id)})
    assert response.status_code == 303, plain(response.text)
    [ballot] = await ballots(app)
    assert ballot.motion_id == d.motion_id and ballot.amendment_id is None
    assert ballot.title == "Motion 1: Fair pay now"


async def test_put_to_the_vote_now_opens_a_ballot_that_delegates_see(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    response = await d.chair.post(f"{d.base}/floor/put-to-vote", data={"amendment_id": str(d.amendment_ids[1])})
    assert response.status_code == 303, plain(response.text)
    [ballot] = await ballots(app)
    assert ballot.state == "open" and ballot.amendment_id == d.amendment_ids[1]
    vote_page = plain((await d.floor.delegates["A1"].get(d.floor.vote)).text)
    assert "Amendment 1.2 to Motion 1: Fair pay now" in vote_page and "Voting is open" in vote_page


async def test_recording_an_outcome_asks_first_and_changes_nothing_until_confirmed(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    asked = await d.chair.post(f"{d.base}/floor/motions/{d.other_motion_id}", data={"action": "fell"})
    assert asked.status_code == 200
    text = plain(asked.text)
    assert "Record that Motion 2: Safe staffing fell?" in text
    assert await motion_state(app, d.other_motion_id) == "scheduled"
    done = await d.chair.post(f"{d.base}/floor/motions/{d.other_motion_id}", data={"action": "fell", "confirm": "yes"})
    assert done.status_code == 303
    assert await motion_state(app, d.other_motion_id) == "fell"


async def test_a_mistaken_outcome_is_corrected_with_a_reason_and_both_entries_stay(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await d.chair.post(f"{d.base}/floor/motions/{d.motion_id}", data={"action": "fell", "confirm": "yes"})
    assert await amendment_state(app, d.amendment_ids[0]) == "fell"  # amendments fall with their motion
    no_reason = await d.chair.post(f"{d.base}/floor/motions/{d.motion_id}/correct", data={"state": "scheduled"})
    assert no_reason.status_code == 400 and "Give the reason" in plain(no_reason.text)
    assert await motion_state(app, d.motion_id) == "fell"
    fixed = await d.chair.post(f"{d.base}/floor/motions/{d.motion_id}/correct",
                               data={"state": "scheduled", "reason": "Recorded against the wrong motion"})
    assert fixed.status_code == 303, plain(fixed.text)
    assert await motion_state(app, d.motion_id) == "scheduled"
    assert await amendment_state(app, d.amendment_ids[0]) == "admitted"  # back in the debate with it
    states = [json.loads(e.payload) for e in await audit_entries(app, action="motion.state")]
    assert [s["state"] for s in states] == ["fell"]
    [correction] = [json.loads(e.payload) for e in await audit_entries(app, action="motion.corrected")]
    assert correction["from"] == "fell" and correction["to"] == "scheduled"
    assert correction["reason"] == "Recorded against the wrong motion"
    console = plain((await d.chair.get(f"{d.base}/floor")).text)
    assert "Corrected: fell to scheduled (Recorded against the wrong motion)" in console


async def test_a_delegate_can_withdraw_from_the_speakers_list_on_the_agenda_page(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await d.chair.post(f"{d.base}/floor/current-item", data={"item_id": str(d.item_id)})
    a1 = d.floor.delegates["A1"]
    await a1.post(f"{d.base}/agenda/items/{d.item_id}/speakers", data={"stance": "against"})
    page = (await a1.get(f"{d.base}/agenda")).text
    assert "Withdraw my request to speak" in plain(page)
    action = page.split('action="')[1:]
    withdraw = next(a.split('"')[0] for a in action if "/withdraw" in a.split('"')[0])
    assert (await a1.post(withdraw)).status_code == 303
    page = plain((await a1.get(f"{d.base}/agenda")).text)
    assert "Nobody has asked to speak yet." in page and "Withdraw my request" not in page


async def test_the_projector_speaks_of_a_simple_majority(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    await d.chair.post(f"{d.base}/floor/put-to-vote", data={"amendment_id": str(d.amendment_ids[1])})
    [ballot] = await ballots(app)
    page = plain((await d.chair.get(f"{d.base}/projector")).text)
    assert "more than 1/2" not in page
    assert "a simple majority" in page


async def test_an_inquorate_conference_cannot_open_a_ballot_unless_the_chair_overrides(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await make_inquorate(app, d)
    await move(d)
    refused = await d.chair.post(f"{d.base}/floor/put-to-vote", data={"amendment_id": str(d.amendment_ids[1])})
    assert refused.status_code == 409, plain(refused.text)
    assert "not quorate" in plain(refused.text)
    assert not await ballots(app) or all(b.state != "open" for b in await ballots(app))
    overridden = await d.chair.post(f"{d.base}/floor/put-to-vote", data={
        "amendment_id": str(d.amendment_ids[1]), "override_quorum": "yes",
        "override_reason": "Standing orders allow votes on amendments without a quorum"})
    assert overridden.status_code == 303, plain(overridden.text)
    [opened] = [json.loads(e.payload) for e in await audit_entries(app, action="ballot.opened")]
    assert opened["quorum"] == {"met": False, "present": 2, "required": 50, "rule": "delegates", "rule_value": "50",
                                "overridden": True,
                                "reason": "Standing orders allow votes on amendments without a quorum"}


async def test_the_ballot_console_refuses_to_open_while_inquorate(client: AsyncTestClient[Litestar],
                                                                   app: Litestar) -> None:
    d, ballot_id = await inquorate_with_a_draft(client, app)
    refused = await d.chair.post(f"{d.base}/ballots/{ballot_id}/open")
    assert refused.status_code == 409 and "not quorate" in plain(refused.text)
    assert (await ballots(app))[0].state == "draft"
    console = plain((await d.chair.get(f"{d.base}/ballots/{ballot_id}")).text)
    assert "Open voting without a quorum" in console and "Why standing orders allow it" in console
    opened = await d.chair.post(f"{d.base}/ballots/{ballot_id}/open",
                                data={"override_reason": "Procedural motions need no quorum (standing order 7)"})
    assert opened.status_code == 303 and (await ballots(app))[0].state == "open"
    [entry] = [json.loads(e.payload) for e in await audit_entries(app, action="ballot.opened")]
    assert entry["quorum"]["overridden"] and entry["quorum"]["reason"].startswith("Procedural motions")


async def test_a_quorate_opening_records_the_quorum_too(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    await d.chair.post(f"{d.base}/floor/put-to-vote", data={"amendment_id": str(d.amendment_ids[1])})
    [opened] = [json.loads(e.payload) for e in await audit_entries(app, action="ballot.opened")]
    assert opened["quorum"]["met"] is True and opened["quorum"]["present"] == 2
    assert opened["quorum"]["overridden"] is False


async def test_each_amendment_on_the_floor_is_a_group_of_its_own(client: AsyncTestClient[Litestar],
                                                                 app: Litestar) -> None:
    d = await debate(client, app)
    await d.chair.post(f"{d.base}/floor/current-item", data={"item_id": str(d.item_id)})
    page = (await d.chair.get(f"{d.base}/floor")).text
    assert page.count('<fieldset class="floor-actions">') >= 4  # two motions, two amendments
    assert "<legend>Amendment 1.1" in page and "<legend>Amendment 1.2" in page


async def test_a_delegate_sees_one_navigation_bar_and_hears_of_voting_codes(client: AsyncTestClient[Litestar],
                                                                          app: Litestar) -> None:
    d = await debate(client, app)
    a1 = d.floor.delegates["A1"]
    for path in ("/agenda", "/motions", "/voting-now", "/motion-book", "/elections"):
        page = (await a1.get(d.base + path)).text
        assert page.count('class="sub-nav"') == 1, path
    login = plain((await Visitor(client).get("/login")).text)
    assert "voting code" in login and "You do not need a password" in login


async def test_an_overlong_reason_to_open_without_a_quorum_is_refused(client: AsyncTestClient[Litestar],
                                                                      app: Litestar) -> None:
    d, ballot_id = await inquorate_with_a_draft(client, app)
    refused = await d.chair.post(f"{d.base}/ballots/{ballot_id}/open", data={"override_reason": "x" * 501})
    assert refused.status_code == 400 and "longer than 500 characters" in plain(refused.text)
    assert (await ballots(app))[0].state == "draft"
