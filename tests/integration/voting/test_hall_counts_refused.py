"""Hall counts go only where they can be added: never to a ranked ballot, never to a card vote's weights."""

from __future__ import annotations

import json

import pytest

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Factory, floor, open_new, token
from unionvote.db import session_scope
from unionvote.voting.casting import cast_vote
from unionvote.voting.models import Weighting
from unionvote.voting.rules import Method
from unionvote.voting.services import BallotError, BallotSpec, close_ballot, declare_result, record_hall_count

PEOPLE = (("L1", "LON", "delegate", "yes"), ("M1", "MAN", "delegate", "yes"))


async def test_a_closed_ranked_ballot_refuses_a_hall_count(factory: Factory, conference_id: int) -> None:
    hall = await floor(factory, conference_id, people=PEOPLE, bodies=(("LON", 1000), ("MAN", 500)))
    ballot_id = await open_new(factory, conference_id, BallotSpec(
        title="Standing orders committee", question="Rank them", method=Method.RANKED,
        options=(("x", "Candidate X"), ("y", "Candidate Y"))))
    async with session_scope(factory) as db:
        await cast_vote(db, ballot_id, user_id=hall.users["L1"], choice=["y", "x"], token=token())
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    with pytest.raises(BallotError, match="A ranked ballot takes no hall counts") as refused:
        async with session_scope(factory) as db:
            await record_hall_count(db, ballot_id, section="Balcony", counts={"x": 3}, by=STAFF)
    assert refused.value.status_code == 409


async def test_a_card_vote_refuses_hands_so_present_weight_is_card_weight_only(
        factory: Factory, conference_id: int) -> None:
    hall = await floor(factory, conference_id, people=PEOPLE, bodies=(("LON", 19450), ("MAN", 500)))
    ballot_id = await open_new(factory, conference_id, BallotSpec(title="Card vote", question="Carry it?",
                                                                  weighting=Weighting.CARD))
    async with session_scope(factory) as db:
        await cast_vote(db, ballot_id, user_id=hall.users["L1"], choice=["for"], token=token())
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    with pytest.raises(BallotError, match="A card vote takes no hall counts") as refused:
        async with session_scope(factory) as db:
            await record_hall_count(db, ballot_id, section="Balcony", counts={"for": 3, "against": 1}, by=STAFF)
    assert refused.value.status_code == 409
    async with session_scope(factory) as db:
        declared = await declare_result(db, ballot_id, by=STAFF)
        result = json.loads(declared.result)  # type: ignore[arg-type]
    assert result["hall"] == []
    assert result["electorate"]["present_weight"] == "19950"  # card weight only: no hands added to it
    assert result["combined"]["choices"] == {"for": "19450", "against": "0", "abstain": "0"}
