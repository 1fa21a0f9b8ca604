"""A member's vote in one statement (PostgreSQL).

The worker remembers the open ballot (ballots.open_ballots), so the vote reads only the member's
row by the link, then is one statement, usually in a transaction of its own with no BEGIN or
COMMIT sent (voting.cast_statement._run). It passes the ballot's gate (shared, as every cast does), reads the
ballot row FOR SHARE and the member's row FOR UPDATE, and stores the participation rows, the
member's "has voted" mark (its trigger moves the turnout counts) and the sealed answers only if, as
committed at that moment,
- the ballot is open, between its opening and closing times, sealed under the remembered key;
- the member holds this link, is still on the ballot, has not voted, and is in the same segments as
  the answers were sealed for;
and the unique key (question, member) lets every participation row in. It answers which of these
held. Anything but a stored vote (a refusal, a retry) goes down the longer road, ballots.casting,
which explains the refusal or returns the retry's receipt.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.credentials import link_hash
from unionvote.ballots.models import SEGMENTS, Member
from unionvote.ballots.open_ballots import OpenMemberBallot, open_member_ballots, read_alone
from unionvote.ballots.sealed import seal_answer
from unionvote.ballots.services import choices_of
from unionvote.db import UTCDateTime, utcnow
from unionvote.errors import RuleViolation
from unionvote.voting.cast_statement import _run
from unionvote.voting.receipts import check_token, token_hash


@dataclass(frozen=True)
class LinkHolder:
    """The member a voting link belongs to, as the form and the vote need them."""

    id: int
    ballot_id: int
    membership_number: str
    employer: str
    workplace: str
    region: str
    branch: str
    removed_at: Any
    voted_at: Any


async def member_for_link(db: AsyncSession, token: str) -> LinkHolder | None:
    """The member holding this link (one round trip on PostgreSQL), or None."""
    if not token or len(token) > 128:
        return None
    member = Member.__table__  # type: ignore[attr-defined]
    rows = await read_alone(db, select(member.c.id, member.c.ballot_id, member.c.membership_number,
                                  *(member.c[kind] for kind in SEGMENTS), member.c.removed_at, member.c.voted_at)
                       .where(member.c.link_hash == bindparam("link_hash", type_=String)),
                       {"link_hash": link_hash(token)})
    return LinkHolder(*rows[0]) if rows else None


GATE_KEY = zlib.crc32(b"member_ballot") & 0x7FFFFFFF  # as db.gate_lock("member_ballot", ...)


def _statement(count: int) -> Any:
    """The vote for a ballot of `count` questions: parameters q<i>, th<i> (token hash), id<i>, slots<i>,
    proofs<i>, tracker<i>, retry<i> per question."""
    cast = "CAST(:{}{} AS {})"
    answers = ", ".join(f"({cast.format('q', i, 'integer')}, {cast.format('th', i, 'varchar')})"
                        for i in range(count))
    sealed = ", ".join("(" + ", ".join([cast.format("q", i, "integer"),
                                        *(cast.format(name, i, "varchar") for name in
                                          ("id", "slots", "proofs", "tracker", "retry"))]) + ")"
                       for i in range(count))
    segments = " AND ".join(f"m.{kind} = :{kind}" for kind in SEGMENTS)
    # Only numbers and fixed names are formatted in; every value is a bound parameter.
    return text(f"""
WITH gate AS (SELECT pg_advisory_xact_lock_shared({GATE_KEY}, :ballot_id) AS passed),
open_ballot AS (
  SELECT b.id FROM gate JOIN member_ballot b ON true
  WHERE b.id = :ballot_id AND b.state = 'open' AND b.opens_at <= :now AND b.closes_at > :now
    AND EXISTS (SELECT 1 FROM member_ballot_sealing s WHERE s.ballot_id = :ballot_id
                AND s.election_key = :election_key)
  FOR SHARE OF b),
voter AS (
  SELECT m.id FROM member m
  WHERE m.id = :member_id AND m.ballot_id = :ballot_id AND m.link_hash = :link_hash AND m.removed_at IS NULL
    AND m.voted_at IS NULL AND {segments} AND EXISTS (SELECT 1 FROM open_ballot)
  FOR UPDATE OF m),
participated AS (
  INSERT INTO member_participation (ballot_id, question_id, member_id, token_hash, voted_at)
  SELECT :ballot_id, a.question_id, voter.id, a.token_hash, :now
  FROM voter CROSS JOIN (VALUES {answers}) AS a (question_id, token_hash)
  ON CONFLICT (question_id, member_id) DO NOTHING RETURNING member_id),
marked AS (
  UPDATE member SET voted_at = :now, credential_used_at = :now
  WHERE id = :member_id AND (SELECT count(*) FROM participated) = {count} RETURNING id),
stored AS (
  INSERT INTO member_sealed_vote (question_id, id, slots, proofs, tracker, retry_check,
                                  employer, workplace, region, branch)
  SELECT v.question_id, v.id, v.slots, v.proofs, v.tracker, v.retry, :employer, :workplace, :region, :branch
  FROM (VALUES {sealed}) AS v (question_id, id, slots, proofs, tracker, retry)
  WHERE (SELECT count(*) FROM participated) = {count} RETURNING id)
SELECT EXISTS (SELECT 1 FROM open_ballot) AS open, (SELECT count(*) FROM voter) AS eligible,
       (SELECT count(*) FROM participated) AS participated, (SELECT count(*) FROM marked) AS marked,
       (SELECT count(*) FROM stored) AS stored""").bindparams(  # noqa: S608
        bindparam("ballot_id", type_=Integer), bindparam("member_id", type_=Integer),
        bindparam("now", type_=UTCDateTime()))


_statements: dict[int, Any] = {}  # by number of questions: SQLAlchemy compiles each once, asyncpg prepares it


@dataclass(frozen=True)
class StoredAnswer:
    question_id: int
    tracker: str
    choice: tuple[str, ...]


class _NotWhole(Exception):
    """Some of a member's answers were stored and others not: the transaction is undone."""


async def cast_in_one_statement(db: AsyncSession, ballot: OpenMemberBallot, member: LinkHolder, link: str,
                                answers: Mapping[int, Sequence[str]], token: str) -> list[StoredAnswer] | None:
    """Store the member's vote in one statement when every check passes; None sends it down the longer road
    (which explains a refusal or answers a retry). PostgreSQL only."""
    questions, row = ballot.questions, ballot.ballot
    if not questions or ballot.election_key is None or member.ballot_id != row.id:
        return None
    try:
        token = check_token(token)
        chosen = [choices_of(q).check(list(answers.get(q.id) or [])) for q in questions]  # type: ignore[arg-type]
    except RuleViolation:
        return None  # refused on the longer road, with its words
    segments = {kind: getattr(member, kind) for kind in SEGMENTS}
    params: dict[str, Any] = {"ballot_id": row.id, "member_id": member.id, "link_hash": link_hash(link),
                              "election_key": ballot.election_key, "now": utcnow(), **segments}
    stored = []
    for i, (question, choice) in enumerate(zip(questions, chosen, strict=True)):
        sealed = seal_answer(ballot.election_key, row.id, question, choice, token, segments)  # type: ignore[arg-type]
        params.update({f"q{i}": question.id, f"th{i}": token_hash(question.id, token),  # type: ignore[arg-type]
                       f"id{i}": sealed.id, f"slots{i}": sealed.slots, f"proofs{i}": sealed.proofs,
                       f"tracker{i}": sealed.tracker, f"retry{i}": sealed.retry_check})
        stored.append(StoredAnswer(question.id, sealed.tracker, choice))  # type: ignore[arg-type]
    count = len(questions)
    statement = _statements.get(count)
    if statement is None:
        statement = _statements[count] = _statement(count)
    result = await (_run(db, statement, params) if count == 1 else _run_whole(db, statement, params, count))
    if result is not None and result.stored == count and result.marked == 1:
        return stored
    if result is not None and not result.open:
        open_member_ballots(db).forget(row.id)  # type: ignore[arg-type]
    return None


async def _run_whole(db: AsyncSession, statement: Any, params: dict[str, Any], count: int) -> Any:
    """Several questions: in a transaction, undone unless every answer or none went in (with one question the
    statement is all or nothing by itself)."""
    engine: Any = db.bind
    try:
        async with engine.begin() as connection:
            result = (await connection.execute(statement, params)).one()
            if result.participated not in (0, count):
                raise _NotWhole
            return result
    except _NotWhole:
        return None
