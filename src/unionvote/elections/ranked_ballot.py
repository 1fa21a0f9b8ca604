"""A contested election's ranked ballot, run by the voting domain: open, cast, close, and the count.

Voting keeps who voted apart from what was voted, issues receipts and audits each step in the
ballot's chain. The count reads the ballot contents (candidate keys in preference order, each
with its weight), groups them into papers and declares the election (see services._declare), then
declares the ballot with the count's outcome (ballot_result.ranked_result), which the export recounts.
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.elections.ballot_result import papers_of_rows, ranked_result
from unionvote.elections.models import Election, ElectionState
from unionvote.elections.services import (
    ElectionError,
    audit_election,
    declare_papers,
    get_election,
    locked_election,
    result_of,
    valid_candidates,
)
from unionvote.voting import services as voting
from unionvote.voting.casting import Receipt, cast_vote, has_voted, voter_entry
from unionvote.voting.counting import contents
from unionvote.voting.models import BallotState, Secrecy, Weighting
from unionvote.voting.rules import Method


async def open_ranked_ballot(db: AsyncSession, conference_id: int, election_id: int, *, card_vote: bool,
                             by: int | None) -> Election:
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.CONTESTED:
        raise ElectionError("A ballot opens only for a contested election whose nominations are closed.", 409)
    if election.ballot_id is not None:
        raise ElectionError("This election's ballot has already been opened.", 409)
    candidates = await valid_candidates(db, election.id)
    spec = voting.BallotSpec(
        title=f"Election: {election.title}"[:200],
        question=f"Rank the candidates for {election.title}: {election.seats} to be elected.",
        method=Method.RANKED, options=[(str(n.id), n.candidate_name) for n in candidates],
        secrecy=Secrecy.SECRET, weighting=Weighting.CARD if card_vote else Weighting.ONE_EACH)
    ballot = await voting.create_ballot(db, conference_id, spec, by=by)
    await voting.open_ballot(db, ballot.id, by=by, conference_id=conference_id)  # type: ignore[arg-type]
    election.ballot_id = ballot.id
    await audit_election(db, election, by, "ballot_opened", ballot=ballot.id, card_vote=card_vote)
    return election


async def my_place(db: AsyncSession, election: Election, user_id: int) -> tuple[bool, bool]:
    """(in the electorate, already voted) for this person and the election's open ballot."""
    if election.ballot_id is None:
        return False, False
    entry = await voter_entry(db, election.ballot_id, user_id)
    if entry is None:
        return False, False
    return True, await has_voted(db, election.ballot_id, entry.delegate_id)


async def cast_ranking(db: AsyncSession, conference_id: int, election_id: int, *, user_id: int,
                       ranking: list[str], token: str) -> Receipt:
    election = await get_election(db, conference_id, election_id)
    if election.ballot_id is None:
        raise ElectionError("Voting has not opened in this election.", 409)
    return await cast_vote(db, election.ballot_id, user_id=user_id, choice=ranking, token=token,
                           conference_id=conference_id)


async def close_and_count(db: AsyncSession, conference_id: int, election_id: int, *, by: int | None) -> Election:
    """Close the ballot and count its papers under the election's rule; the result is declared."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.CONTESTED or election.ballot_id is None:
        raise ElectionError("There is no open ballot to close in this election.", 409)
    ballot = await voting.get_ballot(db, election.ballot_id, conference_id)
    if ballot.state == BallotState.OPEN:
        await voting.close_ballot(db, ballot.id, by=by, conference_id=conference_id)  # type: ignore[arg-type]
    papers = papers_of_rows((json.loads(row.choice), row.weight) for row in await contents(db, election.ballot_id))
    if not papers:
        raise ElectionError("Nobody voted, so there is nothing to count.", 409)
    election = await declare_papers(db, election, papers, by=by)
    counted = result_of(election)
    assert counted is not None
    candidates = [int(key) for key in counted["record"]["candidates"]]
    document = ranked_result(election.id, election.rule, election.seats, candidates, papers, counted["record"])
    await voting.declare_ranked_result(db, ballot.id, document, by=by)  # type: ignore[arg-type]
    return election
