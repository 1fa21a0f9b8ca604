"""Who may take part in a consultation. Each kind of audience is one small class in AUDIENCES.

Kinds: the delegates of a conference (asked of the conferences domain), the people on an
imported list, each with a single-use invitation link, or the electorate of an indicative member
ballot (asked of the ballots domain), who get the same single-use invitation links.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.consult.models import Consultation
from unionvote.errors import RuleViolation


class Audience(Protocol):
    kind: ClassVar[str]
    label: ClassVar[str]
    needs_conference: ClassVar[bool]
    uses_invitations: ClassVar[bool]
    needs_ballot: ClassVar[bool]

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        """May this logged-in person join? (Invitation audiences are joined by link instead.)"""
        ...


class ConferenceDelegates:
    kind, label = "delegates", "Delegates of a conference"
    needs_conference, uses_invitations, needs_ballot = True, False, False

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        assert consultation.conference_id is not None
        return await lookup.delegate_id_for_user(db, consultation.conference_id, user_id) is not None


class InvitedList:
    kind, label = "invited", "People on an imported list, by invitation link"
    needs_conference, uses_invitations, needs_ballot = False, True, False

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        return False


class BallotElectorate:
    """The members of an indicative ballot, each invited by a single-use link made from the ballot's list."""

    kind, label = "ballot", "The electorate of an indicative ballot, by invitation link"
    needs_conference, uses_invitations, needs_ballot = False, True, True

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        return False


AUDIENCES: dict[str, Audience] = {a.kind: a for a in (ConferenceDelegates(), InvitedList(), BallotElectorate())}


def audience_of(consultation: Consultation) -> Audience:
    try:
        return AUDIENCES[consultation.audience]
    except KeyError:
        raise RuleViolation(f"This consultation's audience '{consultation.audience}' is not available.") from None
