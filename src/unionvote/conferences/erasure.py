"""Erasing delegates' personal data once a conference's retention period is over.

The record survives (DESIGN.md, invariant 8): delegates keep their ids, bodies, roles,
accreditation statuses and presence, so results, eligibility snapshots and the audit
chain (which holds ids only) stay as they were and every export still verifies. What
goes is who the people were: names, emails, mobiles, membership numbers, the desk's
notes and substitution reasons, unused enrolment links and voting codes, and the
accounts of people who came only for this conference. The erasure appends one audit
entry, with counts and ids.

Running it again changes nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.erasure import (
    admins_among,
    anonymise_accounts,
    end_conference_sessions,
    granted_conferences,
    not_yet_anonymised,
)
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.credentials import Invitation, VotingCode
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate, Substitution
from unionvote.conferences.services import ConferenceError, lock_conference

ERASED_EMAIL = ""  # the column is NOT NULL; an empty string carries nothing and is never mailed


def erased_delegate_name(delegate_id: int) -> str:
    return f"Erased delegate {delegate_id}"


def erased_membership_number(delegate_id: int) -> str:
    return f"ERASED-{delegate_id}"


def erasable_on(conference: Conference) -> date | None:
    """The first day personal data may be erased: the end date plus the retention period."""
    if conference.ends_on is None:
        return None
    return conference.ends_on + timedelta(days=conference.retention_days)


def erasable_from(conference: Conference) -> datetime | None:
    """Midnight at the start of that day, in the conference's time zone."""
    day = erasable_on(conference)
    return None if day is None else datetime.combine(day, time.min, tzinfo=ZoneInfo(conference.time_zone))


def is_due(conference: Conference, now: datetime) -> bool:
    start = erasable_from(conference)
    return start is not None and now >= start


def not_due_message(conference: Conference) -> str:
    day = erasable_on(conference)
    if day is None:
        return (f"'{conference.slug}' has no end date, so its retention period has not started: "
                "give the conference its end date first.")
    days = "1 day" if conference.retention_days == 1 else f"{conference.retention_days} days"
    return (f"Personal data of '{conference.slug}' is kept for {days} after the conference ended on "
            f"{conference.ends_on:%Y-%m-%d}: it can be erased from {day:%Y-%m-%d}.")


@dataclass(frozen=True)
class PurgeReport:
    conference_id: int
    slug: str
    erasable_on: date | None
    due: bool
    forced: bool
    dry_run: bool
    delegate_ids: tuple[int, ...] = ()  # register entries erased (or, in a dry run, to erase)
    notes: int = 0  # identity checks, revocation or reinstatement reasons, invitation mail errors
    substitution_reasons: int = 0
    invitations: int = 0  # enrolment links never used: deleted
    voting_codes: int = 0  # deleted
    accounts_anonymised: tuple[int, ...] = ()
    accounts_kept: tuple[int, ...] = ()  # linked accounts with roles elsewhere (or admins): left alone
    api_tokens: int = 0
    recovery_codes: int = 0
    sessions: int = 0  # database-held sessions deleted; see `session_user_ids`

    @property
    def changed(self) -> bool:
        return bool(self.delegate_ids or self.notes or self.substitution_reasons or self.accounts_anonymised
                    or self.invitations or self.voting_codes or self.sessions)

    @property
    def session_user_ids(self) -> tuple[int, ...]:
        """Accounts whose login sessions the caller must end after commit (a Redis store is not in the database)."""
        return () if self.dry_run else self.accounts_anonymised

    def summary(self) -> str:
        if not self.changed:
            return f"{self.slug}: no personal data left to erase."
        verb = "would erase" if self.dry_run else "erased"
        text = (f"{self.slug}: {verb} {len(self.delegate_ids)} delegates' names, emails, mobiles and membership "
                f"numbers, {self.notes} notes, {self.substitution_reasons} substitution reasons, "
                f"{self.invitations} unused invitations, {self.voting_codes} voting codes; "
                f"{'would anonymise' if self.dry_run else 'anonymised'} {len(self.accounts_anonymised)} accounts")
        if not self.dry_run:
            text += (f" ({self.api_tokens} API tokens, {self.recovery_codes} recovery codes, "
                     f"{self.sessions} sessions removed)")
        if self.accounts_kept:
            text += f"; kept {len(self.accounts_kept)} accounts still used elsewhere or by administrators"
        return text + (" [forced before the retention period ended]" if self.forced and not self.due else "") + "."


def _delegate_needs_erasing(row: Delegate) -> bool:
    return (row.erased_at is None or row.name != erased_delegate_name(row.id)  # type: ignore[arg-type]
            or row.email != ERASED_EMAIL or row.mobile is not None
            or row.membership_number != erased_membership_number(row.id)  # type: ignore[arg-type]
            or row.identity_check is not None or row.status_reason is not None)


async def _accounts_held_elsewhere(db: AsyncSession, conference_id: int, user_ids: set[int], now: datetime
                                   ) -> set[int]:
    """Accounts with a role or a register entry in another conference whose personal data is still kept.

    A conference past its own retention period does not count, so a person who attended two
    conferences is anonymised by whichever purge comes second, not never.
    """
    if not user_ids:
        return set()
    elsewhere: dict[int, set[int]] = {u: set(c) - {conference_id} for u, c in
                                      (await granted_conferences(db, user_ids)).items()}
    rows = await db.execute(select(Delegate.user_id, Delegate.conference_id).where(
        Delegate.user_id.in_(user_ids), Delegate.conference_id != conference_id))
    for user_id, other in rows.all():
        elsewhere.setdefault(user_id, set()).add(other)
    others = {c for held in elsewhere.values() for c in held}
    if not others:
        return set()
    kept_on = {c.id for c in (await db.execute(select(Conference).where(Conference.id.in_(others)))).scalars()
               if not is_due(c, now)}
    return {user_id for user_id, held in elsewhere.items() if held & kept_on}


async def _credentials(db: AsyncSession, conference_id: int, *, dry_run: bool) -> tuple[int, int, int]:
    """Unused enrolment links and voting codes go; a used link keeps its ids and times, not its mail error.

    Returns (invitations deleted, voting codes deleted, mail errors cleared).
    """
    unused = (Invitation.conference_id == conference_id, Invitation.used_at.is_(None))
    errors = (Invitation.conference_id == conference_id, Invitation.used_at.is_not(None),
              Invitation.email_error.is_not(None))
    codes = VotingCode.conference_id == conference_id
    if dry_run:
        async def count(model: type[Invitation | VotingCode], *where: Any) -> int:
            return len((await db.execute(select(model.id).where(*where))).all())
        return await count(Invitation, *unused), await count(VotingCode, codes), await count(Invitation, *errors)
    return ((await db.execute(delete(Invitation).where(*unused))).rowcount or 0,
            (await db.execute(delete(VotingCode).where(codes))).rowcount or 0,
            (await db.execute(update(Invitation).where(*errors).values(email_error=None))).rowcount or 0)


async def purge_personal_data(db: AsyncSession, conference_id: int, *, now: datetime, by: int | None,
                              force: bool = False, dry_run: bool = False) -> PurgeReport:
    """Erase the conference's delegates' personal data; refused before the retention period ends unless `force`.

    `dry_run` works out the same report and changes nothing (and is never refused).
    After commit, the caller ends the login sessions of `report.session_user_ids`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    conference = await lock_conference(db, conference_id)
    due = is_due(conference, now)
    if not (due or force or dry_run):
        raise ConferenceError(not_due_message(conference), 409)

    delegates = [d for d in (await db.execute(select(Delegate).where(Delegate.conference_id == conference_id)
                                              .order_by(Delegate.id))).scalars() if _delegate_needs_erasing(d)]
    notes = sum((d.identity_check is not None) + (d.status_reason is not None) for d in delegates)
    reasons = list((await db.execute(select(Substitution.id).where(
        Substitution.conference_id == conference_id, Substitution.reason != ""))).scalars())
    linked = set((await db.execute(select(Delegate.user_id).where(
        Delegate.conference_id == conference_id, Delegate.user_id.is_not(None)))).scalars())
    kept = (await admins_among(db, linked)) | await _accounts_held_elsewhere(db, conference_id, linked, now)
    to_anonymise = sorted(linked - kept)
    invitations, voting_codes, mail_errors = await _credentials(db, conference_id, dry_run=dry_run)
    scoped_sessions = await end_conference_sessions(db, conference_id, dry_run=dry_run)

    report = dict(conference_id=conference_id, slug=conference.slug, erasable_on=erasable_on(conference), due=due,
                  forced=force and not due, dry_run=dry_run, delegate_ids=tuple(d.id for d in delegates),
                  notes=notes + mail_errors, substitution_reasons=len(reasons), invitations=invitations,
                  voting_codes=voting_codes, accounts_kept=tuple(sorted(linked & kept)))
    if dry_run:
        return PurgeReport(**report, accounts_anonymised=tuple(await not_yet_anonymised(db, to_anonymise)),
                           sessions=scoped_sessions)

    for delegate in delegates:
        assert delegate.id is not None
        delegate.name, delegate.email, delegate.mobile = erased_delegate_name(delegate.id), ERASED_EMAIL, None
        delegate.membership_number = erased_membership_number(delegate.id)
        delegate.identity_check = delegate.status_reason = None
        delegate.erased_at = delegate.erased_at or now
    if reasons:
        await db.execute(update(Substitution).where(Substitution.id.in_(reasons)).values(reason=""))
    await db.flush()
    accounts = await anonymise_accounts(db, to_anonymise)
    done = PurgeReport(**report, accounts_anonymised=accounts.user_ids, api_tokens=accounts.api_tokens,
                       recovery_codes=accounts.recovery_codes, sessions=accounts.sessions + scoped_sessions)
    if done.changed:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="personal_data.erased",
                     payload={"conference_id": conference_id, "forced": done.forced,
                              "retention_days": conference.retention_days,
                              "erasable_on": None if done.erasable_on is None else done.erasable_on.isoformat(),
                              "delegate_ids": list(done.delegate_ids), "notes_cleared": done.notes,
                              "substitution_reasons_cleared": len(reasons), "invitations_deleted": invitations,
                              "voting_codes_deleted": voting_codes,
                              "accounts_anonymised": list(done.accounts_anonymised),
                              "accounts_kept": list(done.accounts_kept), "api_tokens_deleted": done.api_tokens,
                              "recovery_codes_deleted": done.recovery_codes, "sessions_ended": done.sessions})
    return done


async def conferences_due(db: AsyncSession, now: datetime) -> list[Conference]:
    """Conferences past their retention period (purged or not: purging again changes nothing)."""
    rows = await db.execute(select(Conference).where(Conference.ends_on.is_not(None)).order_by(Conference.id))
    return [c for c in rows.scalars() if is_due(c, now)]


__all__ = ["PurgeReport", "conferences_due", "erasable_on", "is_due", "not_due_message", "purge_personal_data"]
