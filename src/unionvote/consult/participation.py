"""Joining a consultation and being recognised again, without the server learning who is who.

Joining writes two rows that share nothing: "this person has joined" (consult_joined, or the
invitation's `used` flag) and a pseudonymous participant with a random id and the hash of a
random key. The key goes to the participant's browser (a cookie) and to them as a resume
code; only it leads back to their thoughts and ratings. In confidential mode the participant
row also names the person, for the named analysts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.audience import audience_of
from unionvote.consult.models import ATTRIBUTES, Anonymity, Consultation, Invitation, Joined, Participant
from unionvote.consult.setup import ConsultError, open_phases
from unionvote.security import token_digest

KEY_PREFIX = "uvc_"  # a participant key; also shown to the participant as their resume code


def random_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Joining:
    participant: Participant
    key: str


def _clean_attributes(raw: dict[str, str | None]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in ATTRIBUTES:
        value = (raw.get(name) or "").strip()
        if len(value) > 100:
            raise ConsultError(f"Your {name} is too long: keep it to 100 characters.")
        out[name] = value or None
    return out


async def new_participant(db: AsyncSession, consultation: Consultation, attributes: dict[str, str | None],
                           person_ref: str) -> Joining:
    if not open_phases(consultation) & {"share", "star"}:
        raise ConsultError("This consultation is not taking part now: Share and Star are both closed.", 409)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    participant = Participant(id=random_id(), consultation_id=consultation.id, key_hash=token_digest(key),  # type: ignore[arg-type]
                              person_ref=person_ref if consultation.anonymity == Anonymity.CONFIDENTIAL else None,
                              **attributes)
    db.add(participant)
    await db.flush()
    return Joining(participant, key)


async def join_as_account(db: AsyncSession, consultation: Consultation, user_id: int,
                          attributes: dict[str, str | None]) -> Joining:
    audience = audience_of(consultation)
    if audience.uses_invitations:
        raise ConsultError("This consultation is joined through the invitation link you were sent.", 403)
    if not await audience.admits_account(db, consultation, user_id):
        raise ConsultError("This consultation is for the conference's delegates, and you are not on its register.",
                           403)
    try:
        async with db.begin_nested():
            db.add(Joined(consultation_id=consultation.id, user_id=user_id))  # type: ignore[arg-type]
    except IntegrityError:
        raise ConsultError("You have joined this consultation already. To carry on from another device, "
                           "enter the resume code you were given.", 409) from None
    return await new_participant(db, consultation, _clean_attributes(attributes), f"user:{user_id}")


async def invitation_for(db: AsyncSession, token: str) -> Invitation:
    invitation = (await db.execute(select(Invitation).where(Invitation.token_hash == token_digest(token))))\
        .scalar_one_or_none()
    if invitation is None:
        raise ConsultError("This invitation link is not valid. Check you copied all of it, or ask the union "
                           "for a new one.", 404)
    if invitation.used:
        raise ConsultError("This invitation link has been used already. If that was you, enter your resume "
                           "code on the consultation's page to carry on.", 409)
    consultation = await db.get(Consultation, invitation.consultation_id)
    assert consultation is not None
    if not await audience_of(consultation).admits_invitation(db, consultation, invitation):
        raise ConsultError("This invitation link no longer works: you are not in the electorate of the ballot "
                           "this consultation asks. If you think that is wrong, contact your branch.", 403)
    return invitation


async def join_with_invitation(db: AsyncSession, token: str, attributes: dict[str, str | None]) -> Joining:
    invitation = await invitation_for(db, token)
    consultation = await db.get(Consultation, invitation.consultation_id)
    assert consultation is not None
    # Claim the link atomically: of two clicks at once, one wins.
    claimed = await db.execute(update(Invitation).where(Invitation.id == invitation.id, Invitation.used.is_(False))
                               .values(used=True))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConsultError("This invitation link has been used already.", 409)
    given = _clean_attributes(attributes)
    # Attributes from the import win; the person may fill in the ones the list left empty.
    merged = {name: getattr(invitation, name) or given[name] for name in ATTRIBUTES}
    return await new_participant(db, consultation, merged, f"invitation:{invitation.id}")


async def participant_for_key(db: AsyncSession, consultation_id: int, key: str | None) -> Participant | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    participant = (await db.execute(select(Participant).where(Participant.key_hash == token_digest(key))))\
        .scalar_one_or_none()
    return participant if participant is not None and participant.consultation_id == consultation_id else None


async def has_joined(db: AsyncSession, consultation_id: int, user_id: int) -> bool:
    return (await db.execute(select(Joined.id).where(Joined.consultation_id == consultation_id,
                                                     Joined.user_id == user_id))).first() is not None
