"""Emailing members their voting link and code, through the throttled SMTP sender.

Codes and link tokens are stored hashed, so their plain text exists only when issued:
sending issues a fresh link and code for each member it emails (replacing any exported
for them earlier) and hands them to the mail server at once. It works in batches, each
issued in one transaction, sent, then recorded, so a run stopped half-way resumes where
it stopped: a member whose email the server took is never emailed again by a bulk run;
one whose email failed is issued a new link and tried again next time. Only one run per
ballot at a time (`emailing_since`, refreshed each batch, lapses after STALE_AFTER).
The audit trail and logs get counts only, never addresses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.audit.services import actor_of, record
from unionvote.ballots.credentials import _check_issuable, _store_hashes, code_hash, format_code, link_hash, new_code
from unionvote.ballots.languages import ballot_wording
from unionvote.ballots.models import INDICATIVE_NOTICE, Member, MemberBallot
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.conferences.mailer import Throttle, in_languages_email, send_each
from unionvote.config import Settings
from unionvote.db import session_scope, utcnow
from unionvote.i18n import N_, _, current_language, format_when, message_languages

log = logging.getLogger("unionvote.ballots")

SEND_BATCH = 200
STALE_AFTER = timedelta(minutes=5)
NO_SMTP = N_("Sending email is not set up on this server (UNIONVOTE_SMTP_HOST). Download the links and codes "
             "for a mail merge instead.")


@dataclass(frozen=True)
class VotingEmail:
    member_id: int
    membership_number: str
    to: str
    first_name: str
    link: str
    code: str


@dataclass
class SendingReport:
    sent: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (membership number, reason)

    @property
    def failed(self) -> int:
        return len(self.failures)


@dataclass(frozen=True)
class EmailStatus:
    """What the overview page shows about emailing: counts, and who could not be emailed and why."""

    emailed: int
    waiting: int  # members with an address, not yet emailed, who have not voted
    failures: list[tuple[str, str]]
    sending_since: object | None


def compose(settings: Settings, ballot: MemberBallot, item: VotingEmail) -> EmailMessage:
    """The voting email in the ballot's language (members have no account to say which they read), with the
    other language of a bilingual ballot after it: its title, description and our words, each in each."""
    def words() -> tuple[str, str]:
        language = current_language()
        title, description = (ballot_wording(ballot, field, language, beside=False).text
                              for field in ("title", "description"))
        values = {"title": title, "first_name": item.first_name, "description": description, "link": item.link,
                  "closes": format_when(ballot.closes_at, "d MMMM y, HH:mm"),
                  "code_page": f"{settings.public_url}/ballots/{ballot.slug}/code",
                  "membership_number": item.membership_number, "code": format_code(item.code)}
        return (_("Your vote: %(title)s") % values,
                _("Dear %(first_name)s,\n\n"
                  "You can vote in the union's ballot \"%(title)s\" until %(closes)s UTC.\n\n"
                  "%(description)s\n\n"
                  "To vote, open this link (it works once, for you only):\n\n"
                  "%(link)s\n\n"
                  "Or go to %(code_page)s and enter your membership number %(membership_number)s and this code: "
                  "%(code)s\n\n"
                  "Do not share the link or the code: whoever uses them votes in your place. Any link or code sent "
                  "to you before this one no longer works.\n\n") % values + _(INDICATIVE_NOTICE) + "\n")

    return in_languages_email(settings, item.to, message_languages(None, ballot.language, ballot.bilingual_language),
                              words)


async def check_can_send(db: AsyncSession, settings: Settings, ballot_id: int) -> MemberBallot:
    """Claim the ballot for one sending run, or say why it cannot be sent now."""
    if not settings.smtp_configured:
        raise MemberBallotError(_(NO_SMTP), 409)
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    if ballot.emailing_since is not None and utcnow() - ballot.emailing_since < STALE_AFTER:
        raise MemberBallotError(_("Voting links for this ballot are being emailed already. Wait for that to "
                                  "finish; the overview page shows how far it has got."), 409)
    ballot.emailing_since = utcnow()
    return ballot


async def _single(db: AsyncSession, ballot_id: int, membership_number: str) -> Member:
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot_id, Member.membership_number == membership_number.strip().upper(),
        Member.removed_at.is_(None)))).scalar_one_or_none()
    if member is None:
        raise MemberBallotError(_("No member with membership number '%(number)s' is in this ballot.")
                                % {"number": membership_number.strip()}, 404)
    if not member.email:
        raise MemberBallotError(_("That member has no email address: issue them a new link and code on screen "
                                  "instead."), 409)
    if member.voted_at is not None:
        raise MemberBallotError(_("That member has voted already: a new link would not let them vote again."), 409)
    return member


async def _issue_batch(db: AsyncSession, settings: Settings, ballot_id: int, after: int, only: str | None,
                       by: int | None) -> tuple[MemberBallot, list[VotingEmail]]:
    """Fresh links and codes for the next batch of members to email (under the ballot's lock)."""
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    if only is not None:
        chosen = [await _single(db, ballot_id, only)]
    else:
        chosen = list((await db.execute(select(Member).where(
            Member.ballot_id == ballot_id, Member.removed_at.is_(None), Member.voted_at.is_(None),
            Member.email.is_not(None), Member.email != "", Member.credential_emailed_at.is_(None),
            Member.id > after).order_by(Member.id).limit(SEND_BATCH))).scalars())
    items, changes, now = [], [], utcnow()
    for member in chosen:
        token, code = secrets.token_urlsafe(24), new_code()
        items.append(VotingEmail(member.id, member.membership_number, member.email,  # type: ignore[arg-type]
                                 ((member.name or "").split() or ["member"])[0], f"{settings.public_url}/vote/{token}",
                                 code))
        changes.append({"id": member.id, "link_hash": link_hash(token),
                        "code_hash": code_hash(ballot.code_salt, member.membership_number, code),
                        "credential_issued_at": now})
    if changes:
        await _store_hashes(db, changes)
        if only is not None:
            await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="credential.reissued",
                         payload={"member_id": chosen[0].id})
    ballot.emailing_since = now  # still going: another run must not start
    return ballot, items


async def _note_outcomes(db: AsyncSession, ballot_id: int, items: list[VotingEmail], errors: list[str | None],
                         by: int | None) -> None:
    now = utcnow()
    sent = [item.member_id for item, error in zip(items, errors, strict=True) if error is None]
    if sent:
        await db.execute(update(Member).where(Member.id.in_(sent)).values(credential_emailed_at=now,
                                                                           credential_email_error=None))
    for item, error in zip(items, errors, strict=True):
        if error is not None:
            await db.execute(update(Member).where(Member.id == item.member_id).values(
                credential_emailed_at=None, credential_email_error=error))
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="credentials.emailed",
                 payload={"issued": len(items), "sent": len(sent), "failed": len(items) - len(sent)})


async def send_credentials(factory: async_sessionmaker[AsyncSession], settings: Settings, ballot_id: int, *,
                           by: int | None, membership_number: str | None = None,
                           progress: Callable[[SendingReport], None] | None = None,
                           throttle: Throttle | None = None) -> SendingReport:
    """Email every member not yet emailed (or the one named) a fresh link and code.

    The caller has claimed the ballot with check_can_send and committed that.
    """
    report, after = SendingReport(), 0
    throttle = throttle or Throttle(settings.smtp_per_second)
    try:
        while True:
            async with session_scope(factory) as db:
                ballot, items = await _issue_batch(db, settings, ballot_id, after, membership_number, by)
            if not items:
                break
            errors = await asyncio.to_thread(send_each, settings, items, functools.partial(compose, settings, ballot),
                                             throttle)
            async with session_scope(factory) as db:
                await _note_outcomes(db, ballot_id, items, errors, by)
            report.sent += errors.count(None)
            report.failures += [(i.membership_number, e) for i, e in zip(items, errors, strict=True) if e]
            log.info("member ballot credentials emailed", extra={
                "ballot_id": ballot_id, "sent": errors.count(None), "failed": len(items) - errors.count(None)})
            if progress is not None:
                progress(report)
            if membership_number is not None:
                break
            after = items[-1].member_id
    finally:
        async with session_scope(factory) as db:
            await db.execute(update(MemberBallot).where(MemberBallot.id == ballot_id).values(emailing_since=None))
    return report


async def email_status(db: AsyncSession, ballot: MemberBallot, shown: int = 50) -> EmailStatus:
    base = (Member.ballot_id == ballot.id, Member.removed_at.is_(None))
    emailed = (await db.execute(select(func.count()).select_from(Member).where(
        *base, Member.credential_emailed_at.is_not(None)))).scalar_one()
    waiting = (await db.execute(select(func.count()).select_from(Member).where(
        *base, Member.credential_emailed_at.is_(None), Member.voted_at.is_(None), Member.email.is_not(None),
        Member.email != ""))).scalar_one()
    failures = [(number, error) for number, error in (await db.execute(
        select(Member.membership_number, Member.credential_email_error).where(
            *base, Member.credential_emailed_at.is_(None), Member.credential_email_error.is_not(None))
        .order_by(Member.id).limit(shown))).all()]
    sending = ballot.emailing_since if ballot.emailing_since and utcnow() - ballot.emailing_since < STALE_AFTER \
        else None
    return EmailStatus(emailed, waiting, failures, sending)
