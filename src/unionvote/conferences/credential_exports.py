"""What staff take away after a bulk issue: the mail-merge and voting-code CSV files, and emailed links.

Each file holds fresh links or codes that log people in: it is made once, for a POST, never cached.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.bulk_accounts import chunks
from unionvote.conferences.credentials import Invitation
from unionvote.conferences.invitations import BulkIssue, enrolment_link
from unionvote.conferences.mailer import InvitationEmail, send_invitations
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate
from unionvote.conferences.voting_codes import shown
from unionvote.config import Settings
from unionvote.csvexport import csv_bytes
from unionvote.db import session_scope, utcnow
from unionvote.i18n import message_languages

INVITATIONS_HEADER = ("membership number", "name", "email", "mobile", "enrolment link")
CODES_HEADER = ("membership number", "name", "mobile", "voting code")


def invitations_csv(settings: Settings, bulk: BulkIssue) -> bytes:
    return csv_bytes(INVITATIONS_HEADER, [
        (item.delegate.membership_number, item.delegate.name, item.delegate.email, item.delegate.mobile or "",
         enrolment_link(settings, item.token)) for item in bulk.issued])


def codes_csv(issued: list[tuple[Delegate, str]]) -> bytes:
    return csv_bytes(CODES_HEADER, [(d.membership_number, d.name, d.mobile or "", shown(code)) for d, code in issued])


async def emails_for(db: AsyncSession, settings: Settings, conference: Conference, bulk: BulkIssue
                     ) -> list[InvitationEmail]:
    """Each issued link's email, in its delegate's language: their account's, else the conference's."""
    spoken: dict[int, str | None] = {}
    for part in chunks([item.invitation.user_id for item in bulk.issued]):
        spoken.update((await db.execute(select(User.id, User.language).where(User.id.in_(part)))).all())
    return [InvitationEmail(invitation_id=item.invitation.id, to=item.delegate.email,  # type: ignore[arg-type]
                            first_name=(item.delegate.name.split() or ["delegate"])[0],
                            conference_name=conference.name, link=enrolment_link(settings, item.token),
                            expires_at=item.invitation.expires_at,
                            languages=tuple(message_languages(spoken.get(item.invitation.user_id), conference.language,
                                                              conference.bilingual_language)))
            for item in bulk.issued]


async def deliver(factory: async_sessionmaker[AsyncSession], settings: Settings, conference_id: int,
                  by: int | None, emails: list[InvitationEmail]) -> None:
    """Send, then note on each invitation whether it went (after the response: sending takes a while)."""
    outcomes = await send_invitations(settings, emails)
    now = utcnow()
    async with session_scope(factory) as db:
        sent = [o.invitation_id for o in outcomes if o.error is None]
        if sent:
            await db.execute(update(Invitation).where(Invitation.id.in_(sent))
                             .values(emailed_at=now, email_error=None))
        for outcome in outcomes:
            if outcome.error is not None:
                await db.execute(update(Invitation).where(Invitation.id == outcome.invitation_id)
                                 .values(emailed_at=None, email_error=outcome.error))
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="invitations.emailed", payload={"sent": len(sent), "failed": len(outcomes) - len(sent)})
