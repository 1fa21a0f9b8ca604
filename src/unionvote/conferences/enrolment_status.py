"""Who has enrolled: each delegate's account, newest link and voting code, for the invitations page and API.

Read-only; issuing goes through invitations.py and voting_codes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.conferences.credentials import Invitation, VotingCode
from unionvote.conferences.lookup import clean_search
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import ConferenceError

PER_PAGE = 50
LINK_WORDS = {
    "enrolled": "Enrolled",
    "invited": "Invited",
    "expired": "Link expired",
    "not_invited": "Not invited yet",
}


@dataclass(frozen=True)
class EnrolmentRow:
    id: int
    membership_number: str
    name: str
    email: str
    mobile: str | None
    role: str
    enrolled: bool  # their account has a password
    link_expires_at: datetime | None  # of the live link, if any
    link_emailed_at: datetime | None
    link_email_error: str | None
    code_issued_at: datetime | None
    code_locked_until: datetime | None

    def link_state(self, now: datetime) -> str:
        if self.enrolled:
            return "enrolled"
        if self.link_expires_at is None:
            return "not_invited"
        return "invited" if self.link_expires_at > now else "expired"


@dataclass(frozen=True)
class EnrolmentPage:
    rows: list[EnrolmentRow]
    total: int
    enrolled: int  # in the whole register, not just this page
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def enrolment_overview(db: AsyncSession, conference_id: int, *, text: str = "", page: int = 1,
                             per_page: int = PER_PAGE) -> EnrolmentPage:
    text = clean_search(text)
    if page < 1 or not 1 <= per_page <= 500:
        raise ConferenceError("Ask for page 1 or later, with 1 to 500 delegates a page.")
    where = [Delegate.conference_id == conference_id, Delegate.erased_at.is_(None)]
    if text:
        where.append(or_(Delegate.name.icontains(text, autoescape=True),
                         Delegate.membership_number.icontains(text, autoescape=True)))
    has_password = User.password_hash.is_not(None)
    total = (await db.execute(select(func.count(Delegate.id)).where(*where))).scalar_one()
    enrolled = (await db.execute(select(func.count(Delegate.id)).join(User, User.id == Delegate.user_id)
                                 .where(Delegate.conference_id == conference_id, Delegate.erased_at.is_(None),
                                        has_password))).scalar_one()
    live_link = and_(Invitation.delegate_id == Delegate.id, Invitation.used_at.is_(None),
                     Invitation.superseded_at.is_(None))
    query = (select(Delegate.id, Delegate.membership_number, Delegate.name, Delegate.email, Delegate.mobile,
                    Delegate.role, has_password, Invitation.expires_at, Invitation.emailed_at,
                    Invitation.email_error, VotingCode.issued_at, VotingCode.locked_until)
             .select_from(Delegate)
             .outerjoin(User, User.id == Delegate.user_id)
             .outerjoin(Invitation, live_link)
             .outerjoin(VotingCode, VotingCode.delegate_id == Delegate.id)
             .where(*where).order_by(Delegate.name, Delegate.membership_number)
             .limit(per_page).offset((page - 1) * per_page))
    rows = [EnrolmentRow(*row[:6], bool(row[6]), *row[7:]) for row in (await db.execute(query)).all()]
    return EnrolmentPage(rows, total, enrolled, page, per_page)
