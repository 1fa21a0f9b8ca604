"""Share: a participant's thought, up to 280 characters, after seeing the similar ones already there."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.models import Consultation, Participant, Thought, ThoughtStatus
from unionvote.consult.participation import random_id, saved
from unionvote.consult.setup import ConsultError, require_phase
from unionvote.consult.similarity import most_similar
from unionvote.consult.star import forget_board
from unionvote.i18n import _

MAX_LENGTH = 280


def clean_thought(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ConsultError(_("Write your thought before sharing it."))
    if len(text) > MAX_LENGTH:
        raise ConsultError(_("Your thought is %(length)s characters long; keep it to %(limit)s.")
                           % {"length": len(text), "limit": MAX_LENGTH})
    return text


async def visible_thoughts(db: AsyncSession, consultation_id: int) -> list[Thought]:
    return list((await db.execute(select(Thought).where(Thought.consultation_id == consultation_id,
                                                        Thought.status == ThoughtStatus.VISIBLE)
                                  .order_by(Thought.number))).scalars())


async def similar_to(db: AsyncSession, consultation: Consultation, text: str) -> list[Thought]:
    """Existing thoughts like this one: shown before saving, so support is not split across near-duplicates."""
    thoughts = {t.id: t for t in await visible_thoughts(db, consultation.id)}  # type: ignore[arg-type]
    return [thoughts[key] for key, _ in most_similar(clean_thought(text), [(k, t.text) for k, t in thoughts.items()])]


async def share_thought(db: AsyncSession, consultation: Consultation, participant: Participant, text: str
                        ) -> Thought:
    require_phase(consultation, "share")
    text = clean_thought(text)
    duplicate = (await db.execute(select(Thought.id).where(Thought.consultation_id == consultation.id,
                                                           Thought.participant_id == participant.id,
                                                           Thought.text == text))).first()
    if duplicate is not None:
        raise ConsultError(_("You have shared this thought already."), 409)
    taken = set((await db.execute(select(Thought.number).where(Thought.consultation_id == consultation.id)))
                .scalars())
    number = secrets.randbelow(900_000) + 100_000  # random, so numbers do not tell the order of sharing
    while number in taken:
        number = secrets.randbelow(900_000) + 100_000
    status = ThoughtStatus.HELD if consultation.hold_for_review else ThoughtStatus.VISIBLE
    participant = await saved(db, participant)
    thought = Thought(id=random_id(), consultation_id=consultation.id, number=number,  # type: ignore[arg-type]
                      participant_id=participant.id, text=text, status=status)
    db.add(thought)
    await db.flush()
    forget_board(db, consultation.id)  # type: ignore[arg-type]
    return thought


async def own_thoughts(db: AsyncSession, participant: Participant) -> list[Thought]:
    return list((await db.execute(select(Thought).where(Thought.participant_id == participant.id)
                                  .order_by(Thought.number))).scalars())
