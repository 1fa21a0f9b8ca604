"""A member casts their vote: one per question, decided by the unique (question, member) key.

Both halves of each vote (participation and content) and the member's "has voted" mark
are written in the caller's one transaction. A retry with the same ballot token returns
the same receipts. Nothing here logs; nothing links a content row to a member.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import (
    Member,
    MemberBallot,
    MemberBallotState,
    MemberContent,
    MemberParticipation,
    MemberQuestion,
)
from unionvote.ballots.services import MemberBallotError, choices_of, questions_of
from unionvote.db import gate, is_postgres, utcnow
from unionvote.voting.receipts import check_token, choice_text, content_id, format_tracker, token_hash, tracker_of

ONE = 1  # every member's vote carries the same weight


@dataclass(frozen=True)
class MemberReceipt:
    question_id: int
    tracker: str
    choice: tuple[str, ...]

    @property
    def shown(self) -> str:
        return format_tracker(self.tracker)


@dataclass(frozen=True)
class CastResult:
    receipts: tuple[MemberReceipt, ...]
    repeated: bool


def refusal_for(ballot: MemberBallot) -> str | None:
    """Why nobody can vote in this ballot now, or None while it is open."""
    now = utcnow()
    if ballot.state == MemberBallotState.DRAFT or now < ballot.opens_at:
        return f"Voting has not opened yet. It opens on {ballot.opens_at:%d %B %Y at %H:%M} UTC."
    if ballot.state != MemberBallotState.OPEN or now >= ballot.closes_at:
        return "Voting in this ballot has closed; votes can no longer be cast."
    return None


async def cast_member_vote(db: AsyncSession, ballot_id: int, member_id: int, answers: Mapping[int, Sequence[str]],
                           token: str, questions: list[MemberQuestion] | None = None) -> CastResult:
    """`questions`: the ballot's questions, when the caller read them in this transaction already."""
    token = check_token(token)
    # Votes pass the ballot's gate side by side; closing takes it alone (services.lock_ballot).
    await gate(db, "member_ballot", ballot_id, shared=True)
    ballot = (await db.execute(select(MemberBallot).where(MemberBallot.id == ballot_id)
                               .execution_options(populate_existing=True))).scalar_one_or_none()
    if ballot is None:
        raise MemberBallotError("No such ballot.", 404)
    if reason := refusal_for(ballot):
        raise MemberBallotError(reason + " Your vote was not recorded.", 409)
    member = await db.get(Member, member_id)
    if member is None or member.ballot_id != ballot_id or member.removed_at is not None:
        raise MemberBallotError("You are not on this ballot's list of members.", 403)
    if questions is None:
        questions = await questions_of(db, ballot_id)
    missing = [q.position for q in questions if not answers.get(q.id)]
    if missing:
        which = ", ".join(str(p) for p in missing)
        raise MemberBallotError(f"Answer every question before sending your vote (question {which} has no answer).")
    chosen = {q.id: choices_of(q).check(list(answers[q.id])) for q in questions}
    upsert = pg_insert if is_postgres(db) else sqlite_insert
    hashed = token_hash(questions[0].id, token)
    first = await db.execute(upsert(MemberParticipation).values(
        ballot_id=ballot_id, question_id=questions[0].id, member_id=member_id, token_hash=hashed, voted_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["question_id", "member_id"]))
    if first.rowcount != 1:
        return await _retry(db, member_id, questions, chosen, token)
    now = utcnow()
    receipts = []
    for question in questions:
        if question is not questions[0]:
            await db.execute(insert(MemberParticipation).values(
                ballot_id=ballot_id, question_id=question.id, member_id=member_id,
                token_hash=token_hash(question.id, token), voted_at=now))
        content = content_id(question.id, token)
        tracker = tracker_of(question.id, content, chosen[question.id], ONE)  # type: ignore[arg-type]
        await db.execute(insert(MemberContent).values(
            question_id=question.id, id=content, choice=choice_text(chosen[question.id]), tracker=tracker,
            employer=member.employer, workplace=member.workplace, region=member.region, branch=member.branch))
        receipts.append(MemberReceipt(question.id, tracker, chosen[question.id]))
    member.voted_at = member.credential_used_at = now
    return CastResult(tuple(receipts), repeated=False)


async def _retry(db: AsyncSession, member_id: int, questions: list, chosen: dict[int, tuple[str, ...]],
                 token: str) -> CastResult:
    """Already voted: the same token and answers are a retry; anything else is refused."""
    stored = (await db.execute(select(MemberParticipation.token_hash).where(
        MemberParticipation.question_id == questions[0].id, MemberParticipation.member_id == member_id))).scalar_one()
    if stored != token_hash(questions[0].id, token):
        raise MemberBallotError("You have already voted in this ballot. A vote cannot be changed once cast.", 409)
    receipts = []
    for question in questions:
        row = await db.get(MemberContent, (question.id, content_id(question.id, token)))
        if row is None or tuple(json.loads(row.choice)) != chosen[question.id]:
            raise MemberBallotError("Your vote was already recorded with different answers; a vote cannot be "
                                    "changed once cast.", 409)
        receipts.append(MemberReceipt(question.id, row.tracker, chosen[question.id]))
    return CastResult(tuple(receipts), repeated=True)


async def trackers(db: AsyncSession, ballot: MemberBallot) -> list[str]:
    """Every tracker of every question, sorted, published once voting has closed."""
    if ballot.state in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError("Trackers are published when voting closes.", 409)
    ids = [q.id for q in await questions_of(db, ballot.id)]  # type: ignore[arg-type]
    return sorted((await db.execute(select(MemberContent.tracker).where(
        MemberContent.question_id.in_(ids)))).scalars())
