"""Invitation links for the electorate of an indicative ballot, made from the ballot's membership.

One single-use link per member who is not removed, with the member's employer, workplace (as
role) and region copied for segment views. Issuing again later invites only members who have no
link yet (late joiners), so nobody gets two. The links go into the same table as imported lists,
so joining, anonymity and resume codes work exactly as they do there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.ballots.for_consultation import members_for_consultation
from unionvote.ballots.services import MemberBallotError
from unionvote.consult.audience import audience_of
from unionvote.consult.models import Consultation, Invitation
from unionvote.consult.setup import ConsultError, audit_scope
from unionvote.db import locked
from unionvote.security import token_digest

LINK_COLUMNS = ["reference", "name", "email", "employer", "role", "region", "link"]


@dataclass(frozen=True)
class IssuedLink:
    """One row of the mail merge. Name and email come from the ballot and are not kept by the consultation."""

    reference: str
    name: str
    email: str
    employer: str
    role: str
    region: str
    token: str


def _attribute(value: str) -> str | None:
    return value.strip()[:100] or None


async def issue_ballot_invitations(db: AsyncSession, consultation: Consultation, *, by: int) -> list[IssuedLink]:
    """Make a link for each member of the ballot who has none yet. The tokens exist nowhere else afterwards."""
    if not audience_of(consultation).needs_ballot or consultation.ballot_id is None:
        raise ConsultError("This consultation is not for a ballot's electorate; it has no ballot to invite from.",
                           409)
    # Two staff pressing the button at once must not both invite the same members.
    await locked(db, select(Consultation.id).where(Consultation.id == consultation.id))
    try:
        members = await members_for_consultation(db, consultation.ballot_id)
    except MemberBallotError as exc:
        raise ConsultError(str(exc), exc.status_code) from None
    existing = set((await db.execute(
        select(Invitation.reference).where(Invitation.consultation_id == consultation.id))).scalars())
    fresh = [m for m in members if m.membership_number not in existing]
    if not fresh:
        raise ConsultError("Every member of the ballot has an invitation already; there is nobody new to invite.",
                           409)
    issued = [IssuedLink(m.membership_number, m.name or "", m.email or "", m.employer, m.workplace, m.region,
                         "uvi_" + secrets.token_urlsafe(24)) for m in fresh]
    await db.execute(insert(Invitation), [
        {"consultation_id": consultation.id, "reference": link.reference, "token_hash": token_digest(link.token),
         "employer": _attribute(link.employer), "role": _attribute(link.role), "region": _attribute(link.region),
         "shift": None} for link in issued])
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="invitations.issued",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "ballot": consultation.ballot_id, "count": len(issued)})
    return issued


def link_rows(issued: list[IssuedLink], base_url: str) -> list[tuple[str, ...]]:
    return [(i.reference, i.name, i.email, i.employer, i.role, i.region, f"{base_url}/invited/{i.token}")
            for i in issued]
