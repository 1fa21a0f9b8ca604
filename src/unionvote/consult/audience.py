"""Who may take part in a consultation. Each kind of audience is one small class in AUDIENCES.

Kinds: the delegates of a conference (asked of the conferences domain), the people on an
imported list, each with a single-use invitation link, or the electorate of an indicative member
ballot (asked of the ballots domain), who get the same single-use invitation links.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.for_consultation import in_electorate
from unionvote.conferences import lookup
from unionvote.consult.models import Consultation, Invitation
from unionvote.errors import RuleViolation
from unionvote.i18n import N_


class Audience(Protocol):
    kind: ClassVar[str]
    label: ClassVar[str]
    needs_conference: ClassVar[bool]
    uses_invitations: ClassVar[bool]
    needs_ballot: ClassVar[bool]

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        """May this logged-in person join? (Invitation audiences are joined by link instead.)"""
        ...

    async def admits_invitation(self, db: AsyncSession, consultation: Consultation, invitation: Invitation) -> bool:
        """May the person this link was made for still use it?"""
        ...


class ConferenceDelegates:
    kind, label = "delegates", N_("Delegates of a conference")
    needs_conference, uses_invitations, needs_ballot = True, False, False

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        assert consultation.conference_id is not None
        return await lookup.delegate_id_for_user(db, consultation.conference_id, user_id) is not None

    async def admits_invitation(self, db: AsyncSession, consultation: Consultation, invitation: Invitation) -> bool:
        return False


class InvitedList:
    kind, label = "invited", N_("People on an imported list, by invitation link")
    needs_conference, uses_invitations, needs_ballot = False, True, False

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        return False

    async def admits_invitation(self, db: AsyncSession, consultation: Consultation, invitation: Invitation) -> bool:
        return True


class BallotElectorate:
    """The members of an indicative ballot, each invited by a single-use link made from the ballot's list.

    A member removed from the ballot after their link was made can no longer use it. (Once joined, a
    participant is not tied to a member, by design; the link is the last point the rule can hold.)
    """

    kind, label = "ballot", N_("The electorate of an indicative ballot, by invitation link")
    needs_conference, uses_invitations, needs_ballot = False, True, True

    async def admits_account(self, db: AsyncSession, consultation: Consultation, user_id: int) -> bool:
        return False

    async def admits_invitation(self, db: AsyncSession, consultation: Consultation, invitation: Invitation) -> bool:
        return consultation.ballot_id is not None and await in_electorate(db, consultation.ballot_id,
                                                                          invitation.reference)


AUDIENCES: dict[str, Audience] = {a.kind: a for a in (ConferenceDelegates(), InvitedList(), BallotElectorate())}


def audience_of(consultation: Consultation) -> Audience:
    try:
        return AUDIENCES[consultation.audience]
    except KeyError:
        raise RuleViolation(f"This consultation's audience '{consultation.audience}' is not available.") from None
