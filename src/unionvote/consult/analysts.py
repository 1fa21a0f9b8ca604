"""Confidential mode: the analysts named to see who said and rated what, and only them.

Anonymous consultations store no link at all, so there is nothing for an analyst to see.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.consult.exports import Snapshot
from unionvote.consult.models import Analyst, Anonymity, Consultation, Invitation
from unionvote.consult.setup import ConsultError, audit_scope
from unionvote.csvexport import csv_bytes
from unionvote.i18n import _

WHO_SAID_WHAT = "who-said-what.csv"


async def name_analyst(db: AsyncSession, consultation: Consultation, user_id: int, *, by: int) -> None:
    if consultation.anonymity != Anonymity.CONFIDENTIAL:
        raise ConsultError(_("This consultation is anonymous: nobody can be named to see who said what."), 409)
    try:
        async with db.begin_nested():
            db.add(Analyst(consultation_id=consultation.id, user_id=user_id))  # type: ignore[arg-type]
    except IntegrityError:
        raise ConsultError(_("That person is an analyst of this consultation already, or has no account."), 409) \
            from None
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="analyst.named",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "user": user_id})


async def analysts_of(db: AsyncSession, consultation_id: int) -> list[int]:
    return list((await db.execute(select(Analyst.user_id).where(Analyst.consultation_id == consultation_id)))
                .scalars())


async def who_said_what(db: AsyncSession, s: Snapshot, user_id: int) -> bytes:
    """Each participant's number (as in the other exports) and who they are. Named analysts only."""
    if s.consultation.anonymity != Anonymity.CONFIDENTIAL or user_id not in await analysts_of(db, s.consultation.id):  # type: ignore[arg-type]
        raise ConsultError(_("Only the analysts named for this confidential consultation can see who said what."), 403)
    references = dict((await db.execute(select(Invitation.id, Invitation.reference)
                                        .where(Invitation.consultation_id == s.consultation.id))).all())
    rows = []
    for p in s.participants:
        kind, _sep, ident = (p.person_ref or "").partition(":")
        reference = references.get(int(ident), "") if kind == "invitation" and ident.isdigit() else ""
        rows.append((s.number[p.id], p.person_ref or "", reference))
    await record(db, scope=audit_scope(s.consultation.id), actor=actor_of(user_id),  # type: ignore[arg-type]
                 action="analyst.exported", payload={"consultation": s.consultation.id})
    return csv_bytes(["participant", "person", "reference"], rows)
