"""Accepting an enrolment link: who it is for, and setting the password with it, once.

A link is live while it is unused, not superseded by a newer one and not expired; any
other link gets a plain message saying why and what to do, never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.credentials import Invitation
from unionvote.conferences.delegate_accounts import invitation_may_set_password
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import ConferenceError
from unionvote.db import locked, utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.security import hash_password, password_problem, token_digest


class LinkState(StrEnum):
    LIVE = "live"
    USED = "used"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"


REFUSED = {
    LinkState.USED: N_("This link has already been used. If that wasn't you, contact union staff."),
    LinkState.EXPIRED: N_("This link has expired. Ask union staff to send you a new one."),
    LinkState.SUPERSEDED: N_("This link has been replaced by a newer one. Use the newest link you were sent, "
                             "or ask union staff for a new one."),
    LinkState.UNKNOWN: N_("This link is not right. Check that you copied all of it, or ask union staff for a new "
                          "one."),
}


class LinkRefused(RuleViolation):
    """The link cannot be used; the message says why and what to do."""

    def __init__(self, state: LinkState, message: str | None = None) -> None:
        super().__init__(_(message or REFUSED[state]), 404 if state is LinkState.UNKNOWN else 410)
        self.state = state


def state_of(invitation: Invitation | None, now: datetime) -> LinkState:
    if invitation is None:
        return LinkState.UNKNOWN
    if invitation.used_at is not None:
        return LinkState.USED
    if invitation.superseded_at is not None:
        return LinkState.SUPERSEDED
    return LinkState.EXPIRED if invitation.expires_at <= now else LinkState.LIVE


@dataclass(frozen=True)
class InvitationView:
    first_name: str
    email: str
    conference: Conference
    expires_at: datetime


async def _live_invitation(db: AsyncSession, token: str, *, lock: bool) -> Invitation:
    query = select(Invitation).where(Invitation.token_hash == token_digest(token))
    invitation = (await (locked(db, query) if lock else db.execute(query))).scalar_one_or_none()
    state = state_of(invitation, utcnow())
    if state is not LinkState.LIVE:
        raise LinkRefused(state)
    return invitation  # type: ignore[return-value]


async def view_invitation(db: AsyncSession, token: str) -> InvitationView:
    """Who a live link is for (first name only), or LinkRefused."""
    invitation = await _live_invitation(db, token, lock=False)
    user = await db.get(User, invitation.user_id)
    delegate = await db.get(Delegate, invitation.delegate_id)
    conference = await db.get(Conference, invitation.conference_id)
    assert user is not None and delegate is not None and conference is not None
    first_name = (delegate.name.split() or ["there"])[0]
    return InvitationView(first_name, user.email, conference, invitation.expires_at)


async def accept_invitation(db: AsyncSession, token: str, password: str, password_again: str
                            ) -> tuple[User, Conference]:
    """Set the account's password from a live link, and use the link up."""
    invitation = await _live_invitation(db, token, lock=True)
    if password != password_again:
        raise ConferenceError(_("The two passwords are not the same. Type the same password in both boxes."))
    if problem := password_problem(password):
        raise ConferenceError(problem)
    user = (await locked(db, select(User).where(User.id == invitation.user_id))).scalar_one()
    conference = await db.get(Conference, invitation.conference_id)
    assert conference is not None
    # Roles may have changed since the link was made: never take over an account used for more.
    if not user.is_active or not await invitation_may_set_password(db, user, conference.id):  # type: ignore[arg-type]
        raise LinkRefused(LinkState.USED, N_("This link can no longer be used. Contact union staff."))
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    invitation.used_at = utcnow()
    await record(db, scope=scope_of("conference", conference.id), actor=actor_of(user.id),  # type: ignore[arg-type]
                 action="invitation.accepted",
                 payload={"delegate_id": invitation.delegate_id, "invitation_id": invitation.id, "user_id": user.id})
    return user, conference
