"""A vote in one statement (PostgreSQL): the gate, every check and both inserts, in one round trip, and
usually in a transaction of its own with no BEGIN or COMMIT sent (`_run`).

The statement passes the ballot's gate (shared, as every cast does), reads the ballot row FOR SHARE, and
inserts the participation row and the vote only if, as committed at that moment,
- the ballot is open, is the one remembered (same opening, same election key or none), and its countdown
  has not run out;
- the voter holds that place, with that weight, in its frozen electorate;
- the delegate is still accredited (the conferences domain's rule);
and the unique key (ballot, delegate) lets the participation row in. It answers which of these held.

The gate is taken before the ballot row is locked, so a cast that waited at the gate for a close sees the
closed row: PostgreSQL re-reads a row it locks that changed since the statement began (READ COMMITTED).
Anything but a stored vote (a refusal, a retry, a voter with two places) goes down the longer road,
voting.casting, which explains the refusal or returns the retry's receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, String, Table, bindparam, exists, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.conferences.eligibility import accredited_now
from unionvote.db import UTCDateTime, gate_lock, utcnow
from unionvote.errors import RuleViolation
from unionvote.sealing.group import SealingError
from unionvote.voting.counting import choices_of
from unionvote.voting.models import (
    Ballot,
    BallotContent,
    BallotSealing,
    BallotState,
    ElectorateEntry,
    Participation,
    SealedVote,
    Secrecy,
)
from unionvote.voting.open_ballots import OpenBallot, open_ballots_of
from unionvote.voting.receipts import choice_text, content_id, token_hash, tracker_of
from unionvote.voting.rules import Method, fraction_text
from unionvote.voting.sealed import retry_check, seal_choice, sealed_content_id, sealed_tracker


def _cast(sealed: bool) -> Any:
    ballot_table: Table = Ballot.__table__  # type: ignore[attr-defined]
    sealing: Table = BallotSealing.__table__  # type: ignore[attr-defined]
    entries: Table = ElectorateEntry.__table__  # type: ignore[attr-defined]
    participations: Table = Participation.__table__  # type: ignore[attr-defined]
    votes: Table = (SealedVote if sealed else BallotContent).__table__  # type: ignore[attr-defined]
    ballot_id, delegate_id = bindparam("ballot_id", type_=Integer), bindparam("delegate_id", type_=Integer)
    now = bindparam("now", type_=UTCDateTime())

    gate = select(gate_lock("ballot", ballot_id, shared=True).label("passed")).cte("gate")
    same_sealing = exists().where(sealing.c.ballot_id == ballot_id,
                                  sealing.c.election_key == bindparam("election_key", type_=String))
    is_open = (
        select(ballot_table.c.id).select_from(gate).join(ballot_table, true())
        .where(ballot_table.c.id == ballot_id, ballot_table.c.state == BallotState.OPEN,
               ballot_table.c.opened_at == bindparam("opened_at", type_=UTCDateTime()),
               ballot_table.c.closes_at.is_(None) | (ballot_table.c.closes_at > now),
               same_sealing if sealed else ~exists().where(sealing.c.ballot_id == ballot_id))
        .with_for_update(read=True, of=ballot_table).cte("open_ballot"))
    voter = select(entries.c.delegate_id).where(
        entries.c.ballot_id == ballot_id, entries.c.delegate_id == delegate_id,
        entries.c.user_id == bindparam("user_id", type_=Integer),
        entries.c.weight == bindparam("weight", type_=String)).cte("voter")
    admitted = pg_insert(participations).from_select(
        ["ballot_id", "delegate_id", "token_hash", "voted_at", "content_id"],
        select(ballot_id, delegate_id, bindparam("token_hash", type_=String), now,
               bindparam("participation_content", type_=String))
        .where(select(is_open.c.id).exists(), select(voter.c.delegate_id).exists(), accredited_now(delegate_id)),
    ).on_conflict_do_nothing(index_elements=["ballot_id", "delegate_id"]).returning(participations.c.id)
    participated = admitted.cte("participated")
    columns = ["sealed", "weight", "tracker", "retry_check"] if sealed else ["choice", "weight", "tracker"]
    stored = (votes.insert().from_select(
        ["ballot_id", "id", *columns],
        select(ballot_id, bindparam("content_id", type_=String),
               *(bindparam(f"vote_{column}", type_=String) for column in columns)).select_from(participated))
        .returning(votes.c.id).cte("stored"))
    return select(select(is_open.c.id).exists().label("open"), select(voter.c.delegate_id).exists().label("eligible"),
                  accredited_now(delegate_id).label("accredited"),
                  select(func.count()).select_from(stored).scalar_subquery().label("stored"))


# Built once: SQLAlchemy compiles each once per process and asyncpg prepares it once per connection.
CAST_SEALED, CAST_PLAIN = _cast(sealed=True), _cast(sealed=False)


@dataclass(frozen=True)
class Stored:
    tracker: str
    choice: tuple[str, ...]


async def cast_in_one_statement(db: AsyncSession, ballot_id: int, user_id: int, choice: list[str], token: str,
                                conference_id: int | None) -> Stored | None:
    """Store the vote in one statement when everything it needs is remembered and every check passes;
    None sends the cast down the longer road (which explains a refusal or answers a retry)."""
    memory = open_ballots_of(db)
    ballot = await memory.get(db, ballot_id)
    if ballot is None or (conference_id is not None and ballot.ballot.conference_id != conference_id):
        return None
    voter = ballot.voters.get(user_id)
    if voter is None:
        return None
    try:
        chosen = choices_of(ballot.ballot).check(choice)
    except RuleViolation:
        return None  # refused on the longer road, after the checks that come first there
    params = _vote(ballot, voter.weight, token, chosen)
    if params is None:
        return None
    params.update(ballot_id=ballot_id, delegate_id=voter.delegate_id, user_id=user_id, weight=voter.weight,
                  opened_at=ballot.ballot.opened_at, now=utcnow(), token_hash=token_hash(ballot_id, token))
    row = await _run(db, CAST_PLAIN if ballot.sealing is None else CAST_SEALED, params)
    if row.stored == 1:
        return Stored(params["vote_tracker"], chosen)
    if not row.open:
        memory.forget(ballot_id)
    return None


async def _run(db: AsyncSession, statement: Any, params: dict[str, Any]) -> Any:
    """The statement's one row. When the request's unit of work has not touched the database yet (the login and
    the open ballot answered from memory: the usual cast), the statement runs alone on a connection of its own
    in autocommit: PostgreSQL runs one statement as a transaction of its own, committed before it answers, so
    the vote is durable when the receipt is sent and the BEGIN and COMMIT round trips are saved. The request
    holds no other connection meanwhile (its unit of work has none), so it never waits on the pool twice."""
    if db.in_transaction():
        return (await (await db.connection()).execute(statement, params)).one()
    engine: Any = db.bind
    async with engine.connect() as connection:
        alone = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return (await alone.execute(statement, params)).one()


def _vote(ballot: OpenBallot, weight_text: str, token: str, chosen: tuple[str, ...]) -> dict[str, Any] | None:
    """The vote row's values, sealed or in the clear, as voting.casting writes them; None where it refuses."""
    weight = Fraction(weight_text)
    ballot_row = ballot.ballot
    if ballot.sealing is not None:
        content = sealed_content_id(ballot.id, token)
        try:
            check = retry_check(ballot.id, token, chosen)
        except SealingError:
            return None
        sealed = seal_choice(ballot_row, ballot.sealing, chosen)
        stored_weight = fraction_text(weight)
        return {"content_id": content, "participation_content": None, "election_key": ballot.sealing.key,
                "vote_sealed": canonical_json(sealed).decode(), "vote_weight": stored_weight,
                "vote_retry_check": check, "vote_tracker": sealed_tracker(ballot.id, content, sealed, stored_weight)}
    if ballot_row.secrecy == Secrecy.SECRET and ballot_row.method != Method.RANKED:
        return None  # a secret ballot opened unsealed takes no votes
    content = content_id(ballot.id, token)
    return {"content_id": content, "participation_content": content if ballot_row.secrecy == Secrecy.OPEN else None,
            "vote_choice": choice_text(chosen), "vote_weight": str(weight),
            "vote_tracker": tracker_of(ballot.id, content, chosen, weight)}
