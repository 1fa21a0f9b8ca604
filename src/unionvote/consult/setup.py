"""Setting a consultation up: question, audience, anonymity, phases. Who may run it.

Phases Share, Star and Discover each open at a time; Share and Star close at a time (or
stay open), and may overlap. Staff of the conference whose delegates are consulted run
it; consultations of an imported list or of a ballot's electorate are run by union administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.auth import CurrentUser
from unionvote.ballots.for_consultation import ballot_title
from unionvote.conferences.models import Conference
from unionvote.consult.audience import AUDIENCES
from unionvote.consult.models import Anonymity, Claim, Consultation, Participant, Thought
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _

PHASES = ("share", "star", "discover")
PHASE_WORDS = {"share": N_("Share"), "star": N_("Star"), "discover": N_("Discover")}  # shown with _()


class ConsultError(RuleViolation):
    """A consultation request the rules refuse."""


def audit_scope(consultation_id: int) -> str:
    return scope_of("consultation", consultation_id)


def may_run(user: CurrentUser, consultation: Consultation) -> bool:
    if user.is_admin:
        return True
    return consultation.conference_id is not None and Role.STAFF in user.roles_in(consultation.conference_id)


def open_phases(c: Consultation, now: datetime | None = None) -> set[str]:
    now = now or utcnow()

    def between(opens: datetime | None, closes: datetime | None) -> bool:
        return opens is not None and opens <= now and (closes is None or now < closes)

    phases = set()
    if between(c.share_opens_at, c.share_closes_at):
        phases.add("share")
    if between(c.star_opens_at, c.star_closes_at):
        phases.add("star")
    if between(c.discover_opens_at, None):
        phases.add("discover")
    return phases


def require_phase(c: Consultation, phase: str) -> None:
    if phase not in open_phases(c):
        raise ConsultError(_("The %(phase)s phase of this consultation is not open now.")
                           % {"phase": _(PHASE_WORDS[phase])}, 409)


@dataclass(frozen=True)
class Phases:
    share_opens_at: datetime | None = None
    share_closes_at: datetime | None = None
    star_opens_at: datetime | None = None
    star_closes_at: datetime | None = None
    discover_opens_at: datetime | None = None

    def check(self) -> None:
        for no_opening, wrong_way, opens, closes in (
                (N_("Share has a closing time but no opening time."), N_("Share must close after it opens."),
                 self.share_opens_at, self.share_closes_at),
                (N_("Star has a closing time but no opening time."), N_("Star must close after it opens."),
                 self.star_opens_at, self.star_closes_at)):
            if closes is not None and opens is None:
                raise ConsultError(_(no_opening))
            if opens is not None and closes is not None and closes <= opens:
                raise ConsultError(_(wrong_way))
        if self.star_opens_at and self.share_opens_at and self.star_opens_at < self.share_opens_at:
            raise ConsultError(_("Star cannot open before Share: there would be nothing to rate."))


async def create_consultation(db: AsyncSession, user: CurrentUser, *, question: str, description: str,
                              audience: str, conference_id: int | None, anonymity: str,
                              hold_for_review: bool = False, rating_target: int = 15,
                              ballot_id: int | None = None) -> Consultation:
    question, description = question.strip(), description.strip()
    if not question:
        raise ConsultError(_("Write the question members will answer."))
    if len(question) > 300:
        raise ConsultError(_("The question is %(length)s characters long; keep it to 300.") % {"length": len(question)})
    if len(description) > 4000:
        raise ConsultError(_("The description is too long; keep it to 4,000 characters."))
    kind = AUDIENCES.get(audience)
    if kind is None:
        raise ConsultError(_("Choose who takes part: the delegates of a conference, people on an imported list, "
                             "or the electorate of an indicative ballot."))
    if anonymity not in set(Anonymity):
        raise ConsultError(_("Choose anonymous or confidential."))
    if not 1 <= rating_target <= 500:
        raise ConsultError(_("The rating target must be a whole number from 1 to 500."))
    if kind.needs_conference:
        if conference_id is None or await db.get(Conference, conference_id) is None:
            raise ConsultError(_("Choose the conference whose delegates take part."))
    else:
        conference_id = None
    if kind.needs_ballot:
        if ballot_id is None or await ballot_title(db, ballot_id) is None:
            raise ConsultError(_("Choose the indicative ballot whose electorate takes part."))
    else:
        ballot_id = None
    consultation = Consultation(question=question, description=description, audience=audience,
                                conference_id=conference_id, ballot_id=ballot_id, anonymity=anonymity,
                                hold_for_review=hold_for_review, rating_target=rating_target)
    if not may_run(user, consultation):
        raise ConsultError(_("Only staff of that conference, or administrators, can run this consultation."), 403)
    db.add(consultation)
    await db.flush()
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(user.id), action="consultation.created",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "audience": audience, "conference": conference_id,
                          "anonymity": anonymity, "hold_for_review": hold_for_review,
                          **({"ballot": ballot_id} if ballot_id is not None else {})})
    return consultation


async def load(db: AsyncSession, consultation_id: int) -> Consultation:
    consultation = await db.get(Consultation, consultation_id)
    if consultation is None:
        raise ConsultError(_("There is no such consultation."), 404)
    return consultation


async def load_to_run(db: AsyncSession, consultation_id: int, user: CurrentUser) -> Consultation:
    consultation = await load(db, consultation_id)
    if not may_run(user, consultation):
        raise ConsultError(_("You do not run this consultation."), 403)
    return consultation


async def set_phases(db: AsyncSession, consultation: Consultation, phases: Phases, *, hold_for_review: bool,
                     by: int) -> Consultation:
    phases.check()
    for name, value in vars(phases).items():
        setattr(consultation, name, value)
    consultation.hold_for_review = hold_for_review
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="consultation.phases_set",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "hold_for_review": hold_for_review,
                          **{k: v.isoformat() if v else None for k, v in vars(phases).items()}})
    return consultation


async def runnable_by(db: AsyncSession, user: CurrentUser) -> list[Consultation]:
    rows = (await db.execute(select(Consultation).order_by(Consultation.id.desc()))).scalars().all()
    return [c for c in rows if may_run(user, c)]


async def asking(db: AsyncSession, user: CurrentUser) -> list[Consultation]:
    """Consultations of the conferences this person holds a role in, newest first: what their navigation lists."""
    if not user.roles:
        return []
    return list((await db.execute(select(Consultation).where(Consultation.conference_id.in_(list(user.roles)))  # type: ignore[union-attr]
                                  .order_by(Consultation.id.desc()))).scalars())


@dataclass(frozen=True)
class Counts:
    participants: int
    thoughts: int
    ratings: int


async def counts(db: AsyncSession, consultation_id: int) -> Counts:
    # Counted on the join side too: a participant row appears only with its first thought or rating.
    joined = (await db.execute(select(func.count()).select_from(Claim)
                               .where(Claim.consultation_id == consultation_id))).scalar_one()
    rows = (await db.execute(select(func.count()).select_from(Participant)
                             .where(Participant.consultation_id == consultation_id))).scalar_one()
    participants = max(joined, rows)  # rows alone: a seeded demonstration crowd never joined
    thoughts, ratings = (await db.execute(
        select(func.count(), func.coalesce(func.sum(Thought.ratings + Thought.skips), 0))
        .where(Thought.consultation_id == consultation_id))).one()
    return Counts(participants, thoughts, int(ratings))


