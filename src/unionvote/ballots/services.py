"""An indicative member ballot's life: set up, open (electorate frozen), close, and looking it up.

Each ballot keeps its own audit chain, `member_ballot:<id>`: the electorate hash at
opening, the contents hash at close and the result hash at declaration go into it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.ballots.board import member_board_trackers
from unionvote.ballots.models import Member, MemberBallot, MemberBallotState, MemberContent, MemberQuestion
from unionvote.ballots.open_ballots import member_ballot_changed_here
from unionvote.ballots.sealed import close_sealed, seal_at_opening
from unionvote.db import gate, locked, utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.voting.board import board_document, board_hash
from unionvote.voting.rules import Choices, Method

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
YES_NO = (("yes", "Yes"), ("no", "No"))
KEY_RE = re.compile(r"[^a-z0-9]+")
HASH_BATCH = 20_000


class MemberBallotError(RuleViolation):
    """A member-ballot rule said no; the message says why and what to do."""


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    options: tuple[tuple[str, str], ...] = YES_NO


@dataclass(frozen=True)
class MemberBallotSpec:
    slug: str
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    questions: Sequence[QuestionSpec]
    turnout_percent: int = 50
    yes_percent: int | None = None
    min_segment: int = 10
    retention_until: date | None = None
    join_cutoff: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    objection_hours: int = 0  # the set-up page offers complaints.DEFAULT_OBJECTION_HOURS


def scope_for(ballot_id: int) -> str:
    return scope_of("member_ballot", ballot_id)


def option_key(label: str) -> str:
    return KEY_RE.sub("-", label.lower()).strip("-")[:40] or "option"


def options_from_labels(labels: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """One of N options from their labels: keys are the labels in lower case with dashes."""
    cleaned = [label.strip() for label in labels if label.strip()]
    keys = [option_key(label) for label in cleaned]
    if len(cleaned) < 2:
        raise MemberBallotError(_("A question needs at least two answers to choose from."))
    if len(set(keys)) != len(keys):
        raise MemberBallotError(_("Two answers to the same question read the same; make each one different."))
    return tuple(zip(keys, cleaned, strict=True))


def _check_spec(spec: MemberBallotSpec) -> None:
    if not SLUG_RE.match(spec.slug):
        raise MemberBallotError(_("The short name must be 3 to 64 lower-case letters, digits and dashes, "
                                  "such as 'pay-2027'."))
    if not spec.title.strip():
        raise MemberBallotError(_("Give the ballot a title."))
    if not spec.description.strip():
        raise MemberBallotError(_("Describe the ballot in plain words: members read this before they vote."))
    if spec.closes_at <= spec.opens_at:
        raise MemberBallotError(_("The ballot must close after it opens."))
    if not spec.questions:
        raise MemberBallotError(_("A ballot needs at least one question."))
    for question in spec.questions:
        if not question.text.strip():
            raise MemberBallotError(_("Every question needs its wording."))
        if len(question.options) < 2:
            raise MemberBallotError(_("A question needs at least two answers to choose from."))
    if not 1 <= spec.turnout_percent <= 100:
        raise MemberBallotError(_("The turnout threshold is a whole percentage from 1 to 100."))
    if spec.yes_percent is not None and not 1 <= spec.yes_percent <= 100:
        raise MemberBallotError(_("The yes-vote threshold is a whole percentage from 1 to 100."))
    if spec.min_segment < 1:
        raise MemberBallotError(_("The smallest group shown in results must be at least 1 voter."))
    if not 0 <= spec.objection_hours <= 24 * 28:
        raise MemberBallotError(_("The objection period is a whole number of hours from 0 to 672 (four weeks)."))


async def create_member_ballot(db: AsyncSession, spec: MemberBallotSpec, *, by: int | None) -> MemberBallot:
    _check_spec(spec)
    if (await db.execute(select(MemberBallot.id).where(MemberBallot.slug == spec.slug))).first():
        raise MemberBallotError(_("A ballot called '%(slug)s' exists already; choose another short name.")
                                % {"slug": spec.slug}, 409)
    ballot = MemberBallot(slug=spec.slug, title=spec.title.strip(), description=spec.description.strip(),
                          opens_at=spec.opens_at, closes_at=spec.closes_at, join_cutoff=spec.join_cutoff,
                          turnout_percent=spec.turnout_percent, yes_percent=spec.yes_percent,
                          min_segment=spec.min_segment, retention_until=spec.retention_until,
                          objection_hours=spec.objection_hours, code_salt=secrets.token_hex(16), created_by=by)
    db.add(ballot)
    await db.flush()
    for position, question in enumerate(spec.questions, start=1):
        db.add(MemberQuestion(ballot_id=ballot.id, position=position, text=question.text.strip(),
                              options=canonical_json([list(o) for o in question.options]).decode()))
    await db.flush()
    await record(db, scope=scope_for(ballot.id), actor=actor_of(by), action="member_ballot.created",  # type: ignore[arg-type]
                 payload={"questions": len(spec.questions), "opens_at": spec.opens_at.isoformat(),
                          "closes_at": spec.closes_at.isoformat(), "turnout_percent": spec.turnout_percent,
                          "yes_percent": spec.yes_percent, "min_segment": spec.min_segment,
                          "objection_hours": spec.objection_hours})
    return ballot


async def get_ballot(db: AsyncSession, ballot_id: int) -> MemberBallot:
    ballot = await db.get(MemberBallot, ballot_id)
    if ballot is None:
        raise MemberBallotError(_("No such member ballot."), 404)
    return ballot


async def ballot_by_slug(db: AsyncSession, slug: str) -> MemberBallot:
    ballot = (await db.execute(select(MemberBallot).where(MemberBallot.slug == slug))).scalar_one_or_none()
    if ballot is None:
        raise MemberBallotError(_("There is no ballot called '%(slug)s'.") % {"slug": slug}, 404)
    return ballot


async def lock_ballot(db: AsyncSession, ballot_id: int) -> MemberBallot:
    """The ballot, alone: no vote is in flight while the caller changes it (see casting.cast_member_vote)."""
    await gate(db, "member_ballot", ballot_id, shared=False)
    member_ballot_changed_here(ballot_id)  # this worker's copy of the open ballot is read again after the change
    ballot = (await locked(db, select(MemberBallot).where(MemberBallot.id == ballot_id))).scalar_one_or_none()
    if ballot is None:
        raise MemberBallotError(_("No such member ballot."), 404)
    return ballot


async def all_ballots(db: AsyncSession) -> list[MemberBallot]:
    return list((await db.execute(select(MemberBallot).order_by(MemberBallot.opens_at.desc()))).scalars())


async def questions_of(db: AsyncSession, ballot_id: int) -> list[MemberQuestion]:
    return list((await db.execute(select(MemberQuestion).where(MemberQuestion.ballot_id == ballot_id)
                                  .order_by(MemberQuestion.position))).scalars())


def choices_of(question: MemberQuestion) -> Choices:
    keys = tuple(key for key, _ in json.loads(question.options))
    return Choices(method=Method.ONE_OF, options=keys, max_choices=1)


def labels_of(question: MemberQuestion) -> list[tuple[str, str]]:
    return [(key, label) for key, label in json.loads(question.options)]


async def entitled_count(db: AsyncSession, ballot_id: int) -> int:
    return (await db.execute(select(func.count()).select_from(Member).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None)))).scalar_one()


async def electorate_hash(db: AsyncSession, ballot_id: int) -> tuple[str, int]:
    """SHA-256 over 'member id:membership number' lines of everyone entitled, in id order (ids only: no names)."""
    digest, count, after = hashlib.sha256(), 0, 0
    while True:
        rows = (await db.execute(select(Member.id, Member.membership_number).where(
            Member.ballot_id == ballot_id, Member.removed_at.is_(None), Member.id > after)
            .order_by(Member.id).limit(HASH_BATCH))).all()
        if not rows:
            return digest.hexdigest(), count
        for ident, number in rows:
            digest.update(f"{ident}:{number}\n".encode())
        count += len(rows)
        after = rows[-1][0]


async def member_ids_hash(db: AsyncSession, ballot_id: int, *, voted: bool = False) -> tuple[str, int]:
    """SHA-256 over the lines '<member id>\n' of everyone entitled (voted=True: everyone who has voted), in id
    order: what the file export's electorate and participation are checked against (ids only)."""
    digest, count, after = hashlib.sha256(), 0, 0
    which = Member.voted_at.is_not(None) if voted else Member.removed_at.is_(None)
    while True:
        ids = (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id, which, Member.id > after)
                                .order_by(Member.id).limit(HASH_BATCH))).scalars().all()
        if not ids:
            return digest.hexdigest(), count
        digest.update("".join(f"{ident}\n" for ident in ids).encode())
        count += len(ids)
        after = ids[-1]


async def contents_hash(db: AsyncSession, ballot_id: int) -> tuple[str, int]:
    """SHA-256 over the canonical content rows of every question, ordered by question and random id (a ballot
    cast in the clear, before sealing; a sealed ballot's contents hash is that of its sealed.jsonl)."""
    digest, count = hashlib.sha256(), 0
    for question in await questions_of(db, ballot_id):
        rows = (await db.execute(select(MemberContent.id, MemberContent.choice, MemberContent.tracker)
                                 .where(MemberContent.question_id == question.id)
                                 .order_by(MemberContent.id))).all()
        for content, choice, tracker in rows:
            digest.update(canonical_json({"question": question.id, "id": content, "choice": choice,
                                          "tracker": tracker}) + b"\n")
        count += len(rows)
    return digest.hexdigest(), count


async def open_ballot(db: AsyncSession, ballot_id: int, *, by: int | None) -> MemberBallot:
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.DRAFT:
        raise MemberBallotError(_("This ballot has been opened already."), 409)
    digest, size = await electorate_hash(db, ballot_id)
    if size == 0:
        raise MemberBallotError(_("Import the members before opening the ballot: nobody could vote in it."), 409)
    await seal_at_opening(db, ballot, by)
    ballot.state, ballot.opened_at = MemberBallotState.OPEN, utcnow()
    ballot.electorate_hash, ballot.electorate_size = digest, size
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member_ballot.opened",
                 payload={"electorate_sha256": digest, "electorate_size": size,
                          "members_sha256": (await member_ids_hash(db, ballot_id))[0]})
    return ballot


async def close_ballot(db: AsyncSession, ballot_id: int, *, by: int | None) -> MemberBallot:
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.OPEN:
        raise MemberBallotError(_("Only an open ballot can be closed."), 409)
    ballot.state, ballot.closed_at = MemberBallotState.CLOSED, utcnow()
    sealed = await close_sealed(db, ballot)
    digest, count = (sealed.contents_sha256, sealed.count) if sealed else await contents_hash(db, ballot_id)
    ballot.contents_hash = digest
    participation, voters = await member_ids_hash(db, ballot_id, voted=True)
    payload = {"contents_sha256": digest, "contents": count, "voters": voters, "participation_sha256": participation}
    if sealed:
        board = board_document(ballot_id, await member_board_trackers(db, ballot_id), "member_ballot")
        payload |= {"tally_sha256": sealed.tally_sha256, "slices": sealed.slices, "board_hash": board_hash(board)}
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member_ballot.closed", payload=payload)
    return ballot


async def close_due_ballots(db: AsyncSession) -> list[int]:
    """The scheduled check: close every open ballot whose closing time has passed."""
    due = (await db.execute(select(MemberBallot.id).where(MemberBallot.state == MemberBallotState.OPEN,
                                                          MemberBallot.closes_at <= utcnow()))).scalars().all()
    for ballot_id in due:
        await close_ballot(db, ballot_id, by=None)
    return list(due)


def voting_open(ballot: MemberBallot) -> bool:
    now = utcnow()
    return ballot.state == MemberBallotState.OPEN and ballot.opens_at <= now < ballot.closes_at
