"""The returning officer's side of a member ballot: the objection period, complaints and decisions on them,
attempts to vote a second time, and the certificate.

The objection period runs from opening until `objection_hours` after close: voters may lodge a complaint,
and the result cannot be declared until the period ends (or the returning officer ends it early) and every
complaint has a decision. Each step is an entry in the ballot's chain, with ids and hashes only: the
complaint's words may name people, so the chain holds their SHA-256 and the words are erased with the
ballot's personal data.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.models import AuditEntry
from unionvote.audit.services import actor_of, record
from unionvote.ballots.models import (
    Member,
    MemberBallot,
    MemberBallotCertificate,
    MemberBallotState,
    MemberComplaint,
)
from unionvote.ballots.services import MemberBallotError, get_ballot, lock_ballot, scope_for
from unionvote.db import utcnow
from unionvote.i18n import _, format_number, format_when
from unionvote.voting.board import read_tracker

DEFAULT_OBJECTION_HOURS = 72  # what the set-up page offers for a member ballot
MAX_OBJECTION_HOURS = 24 * 28
COMPLAINT_MAX = 2000
DECISIONS = ("upheld", "rejected")
CHANNELS = ("link", "code", "portal")  # how a member reached the ballot: their emailed link, number and code,
# or the union's member portal
SECOND_ATTEMPT = "member_ballot.second_attempt"
ERASED_TEXT = "(erased with the ballot's personal data)"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def objections_end(ballot: MemberBallot) -> datetime | None:
    """When the objection period ends: `objection_hours` after close; None while the ballot is not closed."""
    if ballot.closed_at is None:
        return None
    return ballot.closed_at + timedelta(hours=ballot.objection_hours)


def objections_open(ballot: MemberBallot, now: datetime | None = None) -> bool:
    """Complaints are taken while voting runs and, after close, until the period ends or the officer ends it."""
    if ballot.state == MemberBallotState.OPEN:
        return True
    end = objections_end(ballot)
    return (ballot.state == MemberBallotState.CLOSED and ballot.objections_closed_at is None and end is not None
            and (now or utcnow()) < end)


async def complaints_of(db: AsyncSession, ballot_id: int) -> list[MemberComplaint]:
    return list((await db.execute(select(MemberComplaint).where(MemberComplaint.ballot_id == ballot_id)
                                  .order_by(MemberComplaint.id))).scalars())


async def undecided_count(db: AsyncSession, ballot_id: int) -> int:
    return (await db.execute(select(func.count()).select_from(MemberComplaint).where(
        MemberComplaint.ballot_id == ballot_id, MemberComplaint.decision.is_(None)))).scalar_one()


async def complaint_by_reference(db: AsyncSession, ballot: MemberBallot, reference: str) -> MemberComplaint | None:
    return (await db.execute(select(MemberComplaint).where(
        MemberComplaint.ballot_id == ballot.id, MemberComplaint.reference == reference[:32]))).scalar_one_or_none()


async def lodge_complaint(db: AsyncSession, ballot_id: int, text: str, *, tracker: str = "",
                          membership_number: str = "") -> MemberComplaint:
    """A voter's complaint, recorded in the chain. Whether the membership number is on the list is never said."""
    ballot = await get_ballot(db, ballot_id)
    if not objections_open(ballot):
        raise MemberBallotError("Complaints about this ballot are no longer taken: its objection period has "
                                "ended." if ballot.state != MemberBallotState.DRAFT else
                                "Complaints are taken once the ballot opens.", 409)
    words = text.strip()
    if len(words) < 10:
        raise MemberBallotError(_("Say what went wrong, in at least a few words, so the returning officer can look "
                                "into it."))
    if len(words) > COMPLAINT_MAX:
        raise MemberBallotError(_("A complaint is at most %(most)s characters; yours has %(length)s.")
                                % {"most": format_number(COMPLAINT_MAX), "length": format_number(len(words))})
    read = read_tracker(tracker) if tracker.strip() else None
    if tracker.strip() and read is None:
        raise MemberBallotError(_("'%(given)s' is not a tracker: a tracker has 12 letters and digits, such as "
                                  "ABCD-EFGH-IJKL. Leave it empty if you have none.") % {"given": tracker.strip()[:40]})
    number = membership_number.strip().upper()[:32]
    member_id = (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id,
                                                          Member.membership_number == number))).scalar_one_or_none() \
        if number else None
    complaint = MemberComplaint(ballot_id=ballot_id, reference=secrets.token_urlsafe(12), member_id=member_id,
                                tracker=read, text=words)
    db.add(complaint)
    await db.flush()
    await record(db, scope=scope_for(ballot_id), actor="system", action="complaint.lodged",
                 payload={"complaint": complaint.id, "tracker": read, "member_id": member_id,
                          "text_sha256": _sha256(words)})
    return complaint


async def decide_complaint(db: AsyncSession, ballot_id: int, complaint_id: int, decision: str, response: str, *,
                           by: int) -> MemberComplaint:
    await lock_ballot(db, ballot_id)
    complaint = await db.get(MemberComplaint, complaint_id)
    if complaint is None or complaint.ballot_id != ballot_id:
        raise MemberBallotError(_("No such complaint about this ballot."), 404)
    if complaint.decision is not None:
        raise MemberBallotError(_("Complaint %(number)s has a decision already.") % {"number": complaint_id}, 409)
    if decision not in DECISIONS:
        raise MemberBallotError(_("Choose whether the complaint is upheld or rejected."))
    words = response.strip()
    if not words or len(words) > COMPLAINT_MAX:
        raise MemberBallotError(_("Give the complainant your reasons, in at most %(most)s characters.")
                                % {"most": format_number(COMPLAINT_MAX)})
    complaint.decision, complaint.response, complaint.decided_at, complaint.decided_by = decision, words, utcnow(), by
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="complaint.decided",
                 payload={"complaint": complaint_id, "decision": decision, "response_sha256": _sha256(words)})
    return complaint


async def end_objections(db: AsyncSession, ballot_id: int, *, by: int) -> MemberBallot:
    """The returning officer ends the objection period early, once every complaint has a decision."""
    ballot = await lock_ballot(db, ballot_id)
    if not objections_open(ballot) or ballot.state != MemberBallotState.CLOSED:
        raise MemberBallotError(_("Only a closed ballot's running objection period can be ended."), 409)
    if pending := await undecided_count(db, ballot_id):
        raise MemberBallotError(_("Decide every complaint first: %(pending)s still waiting.")
                                % {"pending": pending}, 409)
    ballot.objections_closed_at = utcnow()
    total = len(await complaints_of(db, ballot_id))
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="objections.closed",
                 payload={"complaints": total})
    return ballot


async def check_declarable(db: AsyncSession, ballot: MemberBallot) -> None:
    """Refuse to declare during the objection period, and while a complaint waits for a decision."""
    end = objections_end(ballot)
    if objections_open(ballot) and end is not None:
        raise MemberBallotError(_("The result waits for the objection period, which ends on %(end)s UTC, unless the "
                                  "returning officer ends it sooner.") % {"end": format_when(end, "d MMMM y, HH:mm")},
                                409)
    if pending := await undecided_count(db, ballot.id):  # type: ignore[arg-type]
        raise MemberBallotError(_("The returning officer has %(pending)s complaint(s) to decide before the result "
                                  "can be declared.") % {"pending": pending}, 409)


async def record_second_attempt(db: AsyncSession, ballot_id: int, member_id: int, channel: str) -> None:
    """Someone used a member's credential after that member had voted: which credential and how, never what."""
    assert channel in CHANNELS
    await record(db, scope=scope_for(ballot_id), actor="system", action=SECOND_ATTEMPT,
                 payload={"member_id": member_id, "channel": channel})


@dataclass(frozen=True)
class SecondAttempt:
    at: str
    member_id: int
    channel: str


async def second_attempts(db: AsyncSession, ballot_id: int) -> list[SecondAttempt]:
    rows = (await db.execute(select(AuditEntry.at, AuditEntry.payload).where(
        AuditEntry.scope == scope_for(ballot_id), AuditEntry.action == SECOND_ATTEMPT)
        .order_by(AuditEntry.seq))).all()
    return [SecondAttempt(at, (p := json.loads(payload))["member_id"], p["channel"]) for at, payload in rows]


async def certify_member_result(db: AsyncSession, ballot_id: int, *, by: int) -> MemberBallotCertificate:
    """The returning officer's certificate that the declared result is the count of the recorded votes."""
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.DECLARED or ballot.result_hash is None:
        raise MemberBallotError(_("Only a declared result can be certified."), 409)
    if await db.get(MemberBallotCertificate, ballot_id) is not None:
        raise MemberBallotError(_("This result is already certified."), 409)
    certificate = MemberBallotCertificate(ballot_id=ballot_id, result_hash=ballot.result_hash, certified_by=by)
    db.add(certificate)
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member_ballot.certified",
                 payload={"result_sha256": ballot.result_hash})
    return certificate


async def erase_complaint_words(db: AsyncSession, ballot_id: int) -> None:
    await db.execute(update(MemberComplaint).where(MemberComplaint.ballot_id == ballot_id)
                     .values(text=ERASED_TEXT))
