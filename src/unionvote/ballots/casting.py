"""A member casts their vote: one per question, decided by the unique (question, member) key.

Who voted (participation) and each answer, sealed (ballots.sealed: ciphertexts and proofs,
never the choice), and the member's "has voted" mark are written in the caller's one
transaction. A retry with the same ballot token returns the same receipts. Nothing here
logs; the choice is not kept after the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import (
    Member,
    MemberBallot,
    MemberBallotSealing,
    MemberBallotState,
    MemberContent,
    MemberParticipation,
    MemberQuestion,
    MemberSealedVote,
)
from unionvote.ballots.sealed import answer_id, retry_check, seal_answer, segments_of
from unionvote.ballots.services import MemberBallotError, choices_of, questions_of
from unionvote.db import gate, is_postgres, utcnow
from unionvote.i18n import _, format_when
from unionvote.voting.receipts import check_token, format_tracker, token_hash


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
        return _("Voting has not opened yet. It opens on %(opens)s UTC.") % {
            "opens": format_when(ballot.opens_at, "d MMMM y, HH:mm")}
    if ballot.state != MemberBallotState.OPEN or now >= ballot.closes_at:
        return _("Voting in this ballot has closed; votes can no longer be cast.")
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
        raise MemberBallotError(_("No such ballot."), 404)
    if reason := refusal_for(ballot):
        raise MemberBallotError(_("%(reason)s Your vote was not recorded.") % {"reason": reason}, 409)
    member = await db.get(Member, member_id)
    if member is None or member.ballot_id != ballot_id or member.removed_at is not None:
        raise MemberBallotError(_("You are not on this ballot's list of members."), 403)
    sealing = await db.get(MemberBallotSealing, ballot_id)
    if sealing is None:  # opened by a version that stored answers in the clear: close it, and open a new one
        raise MemberBallotError(_("This ballot was opened without sealing and can no longer take votes; the "
                                "organisers need to open a new ballot."), 409)
    if questions is None:
        questions = await questions_of(db, ballot_id)
    missing = [q.position for q in questions if not answers.get(q.id)]
    if missing:
        which = ", ".join(str(p) for p in missing)
        raise MemberBallotError(_("Answer every question before sending your vote (question %(which)s has no answer).")
                                % {"which": which})
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
    segments = segments_of(member)
    for question in questions:
        if question is not questions[0]:
            await db.execute(insert(MemberParticipation).values(
                ballot_id=ballot_id, question_id=question.id, member_id=member_id,
                token_hash=token_hash(question.id, token), voted_at=now))
        sealed = seal_answer(sealing.election_key, ballot_id, question, chosen[question.id], token,  # type: ignore[index]
                             segments)
        await db.execute(insert(MemberSealedVote).values(
            question_id=question.id, id=sealed.id, slots=sealed.slots, proofs=sealed.proofs, tracker=sealed.tracker,
            retry_check=sealed.retry_check, **segments))
        receipts.append(MemberReceipt(question.id, sealed.tracker, chosen[question.id]))  # type: ignore[arg-type,index]
    member.voted_at = member.credential_used_at = now
    return CastResult(tuple(receipts), repeated=False)


async def _retry(db: AsyncSession, member_id: int, questions: list, chosen: dict[int, tuple[str, ...]],
                 token: str) -> CastResult:
    """Already voted: the same token and answers are a retry; anything else is refused."""
    stored = (await db.execute(select(MemberParticipation.token_hash).where(
        MemberParticipation.question_id == questions[0].id, MemberParticipation.member_id == member_id))).scalar_one()
    if stored != token_hash(questions[0].id, token):
        raise MemberBallotError(_("You have already voted in this ballot. A vote cannot be changed once cast."), 409)
    receipts = []
    for question in questions:
        row = await db.get(MemberSealedVote, (question.id, answer_id(question.id, token)))
        if row is None or row.retry_check != retry_check(question.id, token, chosen[question.id]):
            raise MemberBallotError(_("Your vote was already recorded with different answers; a vote cannot be "
                                    "changed once cast."), 409)
        receipts.append(MemberReceipt(question.id, row.tracker, chosen[question.id]))
    return CastResult(tuple(receipts), repeated=True)


async def trackers(db: AsyncSession, ballot: MemberBallot) -> list[str]:
    """Every tracker of every question, sorted, published once voting has closed."""
    if ballot.state in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError(_("Trackers are published when voting closes."), 409)
    ids = [q.id for q in await questions_of(db, ballot.id)]  # type: ignore[arg-type]
    sealed = (await db.execute(select(MemberSealedVote.tracker).where(MemberSealedVote.question_id.in_(ids)))).scalars()
    clear = (await db.execute(select(MemberContent.tracker).where(MemberContent.question_id.in_(ids)))).scalars()
    return sorted([*sealed, *clear])  # a ballot cast in the clear before sealing has content rows only
