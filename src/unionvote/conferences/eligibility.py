"""Who may vote now, and with what weight. Voting snapshots this when a ballot opens.

A voter is a delegate, or a substitute holding an absent delegate's credential, who is
accredited and checked in to the business session running at that moment. Observers
and visitors never vote. A substitute votes with the credential's body and lead.

Weights are exact: one each; or, for a card vote, the body's membership going to its
lead delegate (block mode) or shared equally among its present voters (split mode).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Exists, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from unionvote.conferences.models import BusinessSession, CardVoteMode, Conference
from unionvote.conferences.register import AccreditationStatus, Body, Delegate, DelegateRole, Presence, Substitution
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow


@dataclass(frozen=True)
class EligibleVoter:
    delegate_id: int
    user_id: int | None
    body_id: int | None
    weight: Fraction


@dataclass(frozen=True)
class PresentCredential:
    """A voting credential in the room: who holds it, for which body, and whether it leads."""

    delegate_id: int
    user_id: int | None
    body_id: int | None
    is_lead: bool
    membership: int


async def session_at(db: AsyncSession, conference_id: int, at: datetime) -> BusinessSession | None:
    """The business session running at `at` (sessions of a conference never overlap)."""
    return (await db.execute(
        select(BusinessSession).where(BusinessSession.conference_id == conference_id,
                                      BusinessSession.starts_at <= at, BusinessSession.ends_at > at)
        .order_by(BusinessSession.starts_at.desc()).limit(1)
    )).scalar_one_or_none()


async def present_credentials(db: AsyncSession, conference_id: int, at: datetime
                              ) -> tuple[int | None, list[PresentCredential]]:
    """(the running session's id, the voting credentials checked in to it at `at`)."""
    session = await session_at(db, conference_id, at)
    if session is None:
        return None, []
    credential = aliased(Delegate)  # whose credential is held: their own, or the absent delegate's
    rows = await db.execute(
        select(Delegate.id, Delegate.user_id, credential.body_id, credential.is_lead,
               func.coalesce(Body.membership, 0))
        .select_from(Delegate)
        .join(Presence, and_(Presence.delegate_id == Delegate.id, Presence.business_session_id == session.id))
        .outerjoin(Substitution, Substitution.substitute_delegate_id == Delegate.id)
        .join(credential, credential.id == func.coalesce(Substitution.absent_delegate_id, Delegate.id))
        .outerjoin(Body, Body.id == credential.body_id)
        .where(
            Delegate.conference_id == conference_id,
            Delegate.status == AccreditationStatus.ACCREDITED,
            or_(Delegate.role == DelegateRole.DELEGATE,
                and_(Delegate.role == DelegateRole.SUBSTITUTE, Substitution.id.is_not(None))),
            Presence.checked_in_at <= at,
            or_(Presence.checked_out_at.is_(None), Presence.checked_out_at > at),
        )
        .order_by(Delegate.id)
    )
    return session.id, [PresentCredential(*row) for row in rows.all()]


def card_weights(present: list[PresentCredential], mode: CardVoteMode) -> list[EligibleVoter]:
    by_body: dict[int, list[PresentCredential]] = defaultdict(list)
    for credential in present:
        if credential.body_id is not None and credential.membership > 0:
            by_body[credential.body_id].append(credential)
    voters = []
    for body_id, holders in by_body.items():
        if mode is CardVoteMode.BLOCK:
            # Only the lead casts the card; a body whose lead is absent casts none.
            voters += [EligibleVoter(c.delegate_id, c.user_id, body_id, Fraction(c.membership))
                       for c in holders if c.is_lead][:1]
        else:
            share = Fraction(holders[0].membership, len(holders))
            voters += [EligibleVoter(c.delegate_id, c.user_id, body_id, share) for c in holders]
    return sorted(voters, key=lambda v: v.delegate_id)


async def eligible_voters(db: AsyncSession, conference_id: int, at: datetime | None = None, *,
                          card_vote: bool = False) -> list[EligibleVoter]:
    """Every voter at `at` (now by default) with their weight, ordered by delegate id.

    Status is as it stands now; presence is as it was at `at`.
    """
    conference = await db.get(Conference, conference_id)
    if conference is None:
        raise ConferenceError("No such conference.", 404)
    _, present = await present_credentials(db, conference_id, at or utcnow())
    if card_vote:
        return card_weights(present, CardVoteMode(conference.card_vote_mode))
    return [EligibleVoter(c.delegate_id, c.user_id, c.body_id, Fraction(1)) for c in present]


async def entitled_weight(db: AsyncSession, conference_id: int, *, card_vote: bool = False) -> Fraction:
    """The weight of every accredited delegate's credential, present or not: the 'entitled' base.

    One each; or for a card vote, the membership of every body with an accredited delegate.
    """
    rows = (await db.execute(
        select(Delegate.body_id, func.coalesce(Body.membership, 0))
        .outerjoin(Body, Body.id == Delegate.body_id)
        .where(Delegate.conference_id == conference_id, Delegate.role == DelegateRole.DELEGATE,
               Delegate.status == AccreditationStatus.ACCREDITED)
    )).all()
    if not card_vote:
        return Fraction(len(rows))
    return Fraction(sum(dict((body_id, membership) for body_id, membership in rows if body_id is not None).values()))


async def still_accredited(db: AsyncSession, delegate_id: int) -> bool:
    """False once a delegate's accreditation is revoked (or the record erased): they may no longer vote."""
    return bool((await db.execute(select(accredited_now(delegate_id)))).scalar())


def accredited_now(delegate_id: Any) -> Exists:
    """still_accredited as a condition, for a statement that checks it among its other work (a cast)."""
    return exists().where(Delegate.id == delegate_id, Delegate.status == AccreditationStatus.ACCREDITED)
