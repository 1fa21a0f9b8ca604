"""A ballot's life: open, close, declare, void, re-vote, card vote, hall counts, countdown, certificate."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Factory, Floor, floor, open_new, token
from unionvote.audit.models import AuditEntry
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope, utcnow
from unionvote.errors import RuleViolation
from unionvote.voting.casting import cast_vote
from unionvote.voting.models import Ballot, BallotState, Relation, Weighting
from unionvote.voting.rules import Majority, Method, Rule, TieRule
from unionvote.voting.services import (
    BallotSpec,
    certify_result,
    close_ballot,
    close_due_ballots,
    create_ballot,
    create_follow_up,
    declare_result,
    get_ballot,
    open_ballot,
    record_hall_count,
    void_ballot,
)

PEOPLE = (("L1", "LON", "delegate", "yes"), ("L2", "LON", "delegate"), ("M1", "MAN", "delegate", "yes"),
          ("C1", "CAR", "delegate", "yes"))


@pytest.fixture
async def hall(factory: Factory, conference_id: int) -> Floor:
    return await floor(factory, conference_id, bodies=(("LON", 1000), ("MAN", 600), ("CAR", 400)), people=PEOPLE)


async def vote(factory: Factory, hall: Floor, ballot_id: int, **choices: str) -> None:
    for number, choice in choices.items():
        async with session_scope(factory) as db:
            await cast_vote(db, ballot_id, user_id=hall.users[number], choice=choice.split(","), token=token())


async def declared(factory: Factory, ballot_id: int, casting_vote: str | None = None) -> dict:  # type: ignore[type-arg]
    async with session_scope(factory) as db:
        if (await get_ballot(db, ballot_id)).state == BallotState.OPEN:
            await close_ballot(db, ballot_id, by=STAFF)
        ballot = await declare_result(db, ballot_id, by=STAFF, casting_vote=casting_vote)
        return json.loads(ballot.result or "{}")


async def chain(factory: Factory, ballot_id: int) -> list[str]:
    async with session_scope(factory) as db:
        return list((await db.execute(select(AuditEntry.action).where(AuditEntry.scope == f"ballot:{ballot_id}")
                                      .order_by(AuditEntry.seq))).scalars())


async def test_a_card_vote_in_block_mode_weights_each_body_by_its_membership(factory: Factory, hall: Floor) -> None:
    spec = BallotSpec(title="Card vote", question="Carry it?", weighting=Weighting.CARD,
                      rule=Rule(majority=Majority.TWO_THIRDS))
    ballot_id = await open_new(factory, hall.conference_id, spec)
    with pytest.raises(RuleViolation, match="electorate"):
        await vote(factory, hall, ballot_id, L2="for")  # not London's lead: London's card is L1's
    await vote(factory, hall, ballot_id, L1="for", M1="against", C1="for")
    result = await declared(factory, ballot_id)
    assert result["combined"]["choices"] == {"for": "1400", "against": "600", "abstain": "0"}
    assert result["decision"]["outcome"] == "carried"  # 1400 of 2000 is at least two thirds


async def test_a_card_vote_in_split_mode_shares_the_card_exactly(factory: Factory, hall: Floor) -> None:
    async with session_scope(factory) as db:
        await update_settings(db, hall.conference_id, SettingsChange(card_vote_mode="split"), by=STAFF)
    ballot_id = await open_new(factory, hall.conference_id, BallotSpec(title="Split", question="?",
                                                                       weighting=Weighting.CARD))
    await vote(factory, hall, ballot_id, L1="for", L2="against", M1="against")
    result = await declared(factory, ballot_id)
    assert result["combined"]["choices"] == {"for": "500", "against": "1100", "abstain": "0"}
    assert result["decision"]["outcome"] == "lost"


async def test_the_show_of_hands_and_the_card_vote_are_separate_ballots(factory: Factory, hall: Floor) -> None:
    hands = await open_new(factory, hall.conference_id)
    await vote(factory, hall, hands, L1="for", L2="for", M1="against")
    await declared(factory, hands)
    async with session_scope(factory) as db:
        card = await create_follow_up(db, hands, Relation.CARD_VOTE, by=STAFF)
        assert (card.weighting, card.follows_id, card.relation) == (Weighting.CARD, hands, Relation.CARD_VOTE)
        await open_ballot(db, card.id, by=STAFF)  # type: ignore[arg-type]
        card_id = card.id
    await vote(factory, hall, card_id, L1="for", M1="against", C1="against")  # type: ignore[arg-type]
    assert (await declared(factory, card_id))["decision"]["outcome"] == "lost"  # type: ignore[arg-type]


async def test_a_ballot_never_reopens_a_revote_is_a_new_ballot(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        with pytest.raises(RuleViolation, match="Create a re-vote"):
            await open_ballot(db, ballot_id, by=STAFF)
    async with session_scope(factory) as db:
        again = await create_follow_up(db, ballot_id, Relation.REVOTE, by=STAFF)
        assert (again.state, again.follows_id, again.relation) == (BallotState.DRAFT, ballot_id, Relation.REVOTE)


async def test_a_tie_needs_the_chairs_casting_vote_which_is_recorded(factory: Factory, hall: Floor) -> None:
    spec = BallotSpec(title="Tie", question="?", rule=Rule(tie_rule=TieRule.CASTING_VOTE))
    ballot_id = await open_new(factory, hall.conference_id, spec)
    await vote(factory, hall, ballot_id, L1="for", M1="against")
    with pytest.raises(RuleViolation, match="casting vote"):
        await declared(factory, ballot_id)
    result = await declared(factory, ballot_id, casting_vote="against")
    assert (result["decision"]["outcome"], result["casting_vote"]) == ("lost", "against")
    assert await chain(factory, ballot_id) == ["ballot.created", "ballot.sealing", "ballot.opened", "ballot.closed",
                                               "ballot.declared"]  # sealed by the server as it opened


async def test_hall_counts_from_tellers_combine_with_online_votes(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    await vote(factory, hall, ballot_id, L1="for", L2="against")
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="once voting has closed"):
            await record_hall_count(db, ballot_id, section="Hall A", counts={"for": 30}, by=STAFF)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        await record_hall_count(db, ballot_id, section="Hall A", counts={"for": 30, "against": 20}, invalid=2,
                                by=STAFF)
        await record_hall_count(db, ballot_id, section="Hall B", counts={"for": 5, "against": 5, "abstain": 3},
                                by=STAFF)
        await record_hall_count(db, ballot_id, section="Hall B", counts={"for": 6, "against": 5, "abstain": 3},
                                by=STAFF)  # the teller corrects their count: it replaces the first
        with pytest.raises(RuleViolation, match="whole numbers"):
            await record_hall_count(db, ballot_id, section="Hall C", counts={"for": -1}, by=STAFF)
        with pytest.raises(RuleViolation, match="not an option"):
            await record_hall_count(db, ballot_id, section="Hall C", counts={"maybe": 1}, by=STAFF)
    result = await declared(factory, ballot_id)
    assert result["online"]["choices"] == {"for": "1", "against": "1", "abstain": "0"}
    assert result["hall_total"]["choices"] == {"for": "36", "against": "25", "abstain": "3"}
    assert result["combined"]["choices"] == {"for": "37", "against": "26", "abstain": "3"}
    assert [h["section"] for h in result["hall"]] == ["Hall A", "Hall B"]
    assert (await chain(factory, ballot_id)).count("ballot.hall_count") == 3


async def test_voiding_needs_a_reason_and_a_certified_result_cannot_be_voided(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="reason"):
            await void_ballot(db, ballot_id, reason="  ", by=STAFF)
    await vote(factory, hall, ballot_id, L1="for")
    await declared(factory, ballot_id)
    async with session_scope(factory) as db:
        await certify_result(db, ballot_id, by=STAFF)  # type: ignore[arg-type]
        with pytest.raises(RuleViolation, match="certified"):
            await void_ballot(db, ballot_id, reason="wrong motion", by=STAFF)
    other = await open_new(factory, hall.conference_id)
    async with session_scope(factory) as db:
        await void_ballot(db, other, reason="the wrong text was on screen", by=STAFF)
    with pytest.raises(RuleViolation, match="closed"):
        await vote(factory, hall, other, L1="for")


async def test_a_countdown_closes_the_ballot_and_refuses_late_votes(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id, BallotSpec(title="Timed", question="?",
                                                                       countdown_seconds=60))
    await vote(factory, hall, ballot_id, L1="for")
    async with session_scope(factory) as db:
        await db.execute(update(Ballot).where(Ballot.id == ballot_id).values(closes_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(RuleViolation, match="countdown"):
        await vote(factory, hall, ballot_id, L2="for")
    async with session_scope(factory) as db:
        assert [b.id for b in await close_due_ballots(db)] == [ballot_id]
        assert await close_due_ballots(db) == []


async def test_options_ballots_choose_one_or_up_to_k(factory: Factory, hall: Floor) -> None:
    options = (("north", "North venue"), ("south", "South venue"), ("west", "West venue"))
    one = BallotSpec(title="Venue", question="Where?", method=Method.ONE_OF, options=options,
                     rule=Rule(majority=Majority.PLURALITY))
    ballot_id = await open_new(factory, hall.conference_id, one)
    await vote(factory, hall, ballot_id, L1="south", L2="south", M1="north")
    result = await declared(factory, ballot_id)
    assert result["decision"]["winners"] == ["south"]
    two = BallotSpec(title="Themes", question="Pick two", method=Method.UP_TO, options=options, max_choices=2,
                     rule=Rule(majority=Majority.PLURALITY))
    ballot_id = await open_new(factory, hall.conference_id, two)
    with pytest.raises(RuleViolation, match="at most 2"):
        await vote(factory, hall, ballot_id, L1="north,south,west")
    await vote(factory, hall, ballot_id, L1="north,south", L2="south,west", M1="north,south")
    assert (await declared(factory, ballot_id))["decision"]["winners"] == ["south", "north"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"title": " "}, "title"),
    ({"question": ""}, "question"),
    ({"method": Method.ONE_OF, "options": (("a", "A"),)}, "at least two"),
    ({"method": Method.UP_TO, "options": (("a", "A"), ("b", "B")), "max_choices": 3}, "between 1"),
    ({"countdown_seconds": 5}, "countdown"),
    ({"rule": Rule(majority=Majority.PLURALITY)}, "options"),
])
def test_a_ballot_that_cannot_work_is_refused_before_it_is_stored(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(RuleViolation, match=message):
        BallotSpec(**{"title": "T", "question": "Q", **kwargs})


async def test_opening_with_no_one_checked_in_is_refused(factory: Factory, conference_id: int) -> None:
    await floor(factory, conference_id, present=())
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, conference_id, BallotSpec(title="T", question="Q"), by=STAFF)
        ballot_id = ballot.id
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="No one can vote"):
            await open_ballot(db, ballot_id, by=STAFF)  # type: ignore[arg-type]
        assert (await get_ballot(db, ballot_id)).state == BallotState.DRAFT  # type: ignore[arg-type]
