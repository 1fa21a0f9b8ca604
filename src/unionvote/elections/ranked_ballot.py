"""A contested election's ranked ballot, run by the voting domain: open, cast, close, and the count.

Voting keeps who voted apart from what was voted, issues receipts and audits each step in the
ballot's chain. Every paper is sealed whole as it is cast (voting.sealed_papers): by the server's
own key, opened only at close, or by trustees' keys, opened once every trustee has sent their
shares after close. The count reads the opened papers in canonical order (candidate keys in
preference order, each with its weight), groups them and declares the election (see
services._declare), then declares the ballot with the count's outcome (ballot_result.ranked_result),
which the export recounts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

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
from unionvote.i18n import _
from unionvote.sealing.trustees import TrusteePublic
from unionvote.voting import services as voting
from unionvote.voting.casting import Receipt, cast_vote, has_voted, voter_entry
from unionvote.voting.counting import contents
from unionvote.voting.models import BallotState, SealingMode, Secrecy, Weighting
from unionvote.voting.rules import Method
from unionvote.voting.sealed import conference_trustees, seal_ballot
from unionvote.voting.sealed_papers import missing_trustees, opened_papers


async def open_ranked_ballot(db: AsyncSession, conference_id: int, election_id: int, *, card_vote: bool,
                             by: int | None, trustees: Sequence[TrusteePublic] = ()) -> Election:
    """Open the ballot with its papers sealed: under the trustees' keys when given, else the server's own."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.CONTESTED:
        raise ElectionError(_("A ballot opens only for a contested election whose nominations are closed."), 409)
    if election.ballot_id is not None:
        raise ElectionError(_("This election's ballot has already been opened."), 409)
    candidates = await valid_candidates(db, election.id)
    spec = voting.BallotSpec(
        title=f"Election: {election.title}"[:200],
        question=f"Rank the candidates for {election.title}: {election.seats} to be elected.",
        method=Method.RANKED, options=[(str(n.id), n.candidate_name) for n in candidates],
        secrecy=Secrecy.SECRET, weighting=Weighting.CARD if card_vote else Weighting.ONE_EACH)
    ballot = await voting.create_ballot(db, conference_id, spec, by=by)
    await seal_ballot(db, ballot, mode=SealingMode.TRUSTEES if trustees else SealingMode.SERVER,
                      trustees=trustees, by=by)
    await voting.open_ballot(db, ballot.id, by=by, conference_id=conference_id)  # type: ignore[arg-type]
    election.ballot_id = ballot.id
    await audit_election(db, election, by, "ballot_opened", ballot=ballot.id, card_vote=card_vote)
    return election


async def trustees_for(db: AsyncSession, conference_id: int, sealing: object) -> list[TrusteePublic]:
    """The keys an election's papers are sealed under: none (sealed by the server), or the conference's
    registered trustees. Not chosen: the trustees when any are registered, as for a conference ballot."""
    if sealing not in (None, SealingMode.SERVER, SealingMode.TRUSTEES):
        raise ElectionError(_("Choose who holds the key: the server, or the trustees."))
    trustees = await conference_trustees(db, conference_id)
    if sealing == SealingMode.TRUSTEES and not trustees:
        raise ElectionError(_("The papers are to be sealed with the trustees' keys, and no trustee has registered a "
                              "key for this conference yet. The returning officer registers one on the trustees' "
                              "page; or open the ballot sealed by the server."), 409)
    return [] if sealing == SealingMode.SERVER else trustees


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
        raise ElectionError(_("Voting has not opened in this election."), 409)
    return await cast_vote(db, election.ballot_id, user_id=user_id, choice=ranking, token=token,
                           conference_id=conference_id)


async def close_and_count(db: AsyncSession, conference_id: int, election_id: int, *, by: int | None) -> Election:
    """Close the ballot, open its papers and count them under the election's rule; the result is declared.

    With trustees' keys the papers open only once every trustee has sent their shares: until then the
    ballot stays closed and the election contested (call again to count)."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.CONTESTED or election.ballot_id is None:
        raise ElectionError(_("There is no open ballot to close in this election."), 409)
    ballot = await voting.get_ballot(db, election.ballot_id, conference_id)
    if ballot.state == BallotState.OPEN:
        await voting.close_ballot(db, ballot.id, by=by, conference_id=conference_id)  # type: ignore[arg-type]
    if await missing_trustees(db, ballot):
        return election
    opened = await opened_papers(db, ballot)
    rows = ((row["choice"], row["weight"]) for row in opened) if opened is not None else (
        (json.loads(row.choice), row.weight) for row in await contents(db, ballot.id))  # type: ignore[arg-type]
    papers = papers_of_rows(rows)
    if not papers:
        raise ElectionError(_("Nobody voted, so there is nothing to count."), 409)
    election = await declare_papers(db, election, papers, by=by)
    counted = result_of(election)
    assert counted is not None
    candidates = [int(key) for key in counted["record"]["candidates"]]
    document = ranked_result(election.id, election.rule, election.seats, candidates, papers, counted["record"])
    await voting.declare_ranked_result(db, ballot.id, document, by=by)  # type: ignore[arg-type]
    return election
