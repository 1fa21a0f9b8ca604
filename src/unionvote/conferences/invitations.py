"""Enrolment invitations: one-time links with which a delegate sets the password of their account.

A link carries a random token; only its SHA-256 is stored. A link works once, until it expires,
and only while it is the delegate's newest: issuing another supersedes it. The audit chain
records ids (and, for bulk issues, counts), never names or email addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.bulk_accounts import accounts_for_all, chosen_delegates, chunks, password_settable
from unionvote.conferences.credentials import Invitation
from unionvote.conferences.delegate_accounts import (
    ACCOUNT_IN_USE,
    account_for,
    invitation_may_set_password,
    lock_delegate,
)
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import ConferenceError, lock_conference
from unionvote.config import Settings
from unionvote.db import utcnow
from unionvote.security import new_token, token_digest


@dataclass(frozen=True)
class IssuedInvitation:
    delegate: Delegate
    invitation: Invitation
    token: str  # shown or sent once, never stored


@dataclass(frozen=True)
class BulkIssue:
    issued: list[IssuedInvitation]
    skipped: list[tuple[Delegate, str]]  # delegates left out, and why
    already_enrolled: int


def enrolment_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/enrol/{token}"


async def _issue(db: AsyncSession, delegate: Delegate, settings: Settings, by: int | None
                 ) -> tuple[Invitation, str, list[int]]:
    """A new link for a locked delegate; their live link, if any, is superseded."""
    user = await account_for(db, delegate, by=by)
    if not await invitation_may_set_password(db, user, delegate.conference_id):
        raise ConferenceError(ACCOUNT_IN_USE.format(name=delegate.name), 409)
    now = utcnow()
    live = [Invitation.delegate_id == delegate.id, Invitation.used_at.is_(None), Invitation.superseded_at.is_(None)]
    superseded = list((await db.execute(select(Invitation.id).where(*live))).scalars())
    if superseded:
        await db.execute(update(Invitation).where(*live).values(superseded_at=now))
    token = new_token()
    invitation = Invitation(conference_id=delegate.conference_id, delegate_id=delegate.id, user_id=user.id,
                            token_hash=token_digest(token), created_at=now, created_by=by,
                            expires_at=now + timedelta(days=settings.invitation_days))
    db.add(invitation)
    await db.flush()
    return invitation, token, superseded


async def issue_invitation(db: AsyncSession, conference_id: int, delegate_id: int, *, settings: Settings,
                           by: int | None) -> IssuedInvitation:
    """Issue (or re-issue) one delegate's link. Their account is made and linked if they have none."""
    delegate = await lock_delegate(db, conference_id, delegate_id)
    invitation, token, superseded = await _issue(db, delegate, settings, by)
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                 action="invitation.reissued" if superseded else "invitation.issued",
                 payload={"delegate_id": delegate.id, "invitation_id": invitation.id, "user_id": invitation.user_id,
                          "superseded_invitation_ids": superseded})
    return IssuedInvitation(delegate, invitation, token)


async def _supersede(db: AsyncSession, delegate_ids: list[int], now: datetime) -> int:
    superseded = 0
    for part in chunks(delegate_ids):
        live = [Invitation.delegate_id.in_(part), Invitation.used_at.is_(None), Invitation.superseded_at.is_(None)]
        superseded += (await db.execute(update(Invitation).where(*live).values(superseded_at=now))).rowcount or 0
    return superseded


async def issue_invitations(db: AsyncSession, conference_id: int, delegate_ids: list[int] | None, *,
                            settings: Settings, by: int | None, purpose: str) -> BulkIssue:
    """Fresh links for the chosen (or all) delegates who have not enrolled yet, for a mail merge or email.

    A few queries for the whole list, however long. A delegate whose account may not be
    reset by invitation is left out with the reason, and the rest go ahead. The audit chain
    gets one entry with counts only (and the bulk account entries of bulk_accounts.py).
    """
    await lock_conference(db, conference_id)
    delegates = await chosen_delegates(db, conference_id, delegate_ids)
    accounts, skipped = await accounts_for_all(db, conference_id, delegates, by=by)
    waiting = [d for d in delegates if d.id in accounts and accounts[d.id].password_hash is None]  # type: ignore[index]
    already = sum(1 for d in delegates if d.id in accounts) - len(waiting)
    settable = await password_settable(db, [accounts[d.id] for d in waiting], conference_id)  # type: ignore[index]
    ready = []
    for delegate in waiting:
        if accounts[delegate.id].id in settable:  # type: ignore[index]
            ready.append(delegate)
        else:
            skipped.append((delegate, ACCOUNT_IN_USE.format(name=delegate.name)))
    now = utcnow()
    superseded = await _supersede(db, [d.id for d in ready], now)  # type: ignore[misc]
    tokens = [new_token() for _ in ready]
    invitations = [Invitation(conference_id=conference_id, delegate_id=d.id, user_id=d.user_id,
                              token_hash=token_digest(token), created_at=now, created_by=by,
                              expires_at=now + timedelta(days=settings.invitation_days))
                   for d, token in zip(ready, tokens, strict=True)]
    db.add_all(invitations)
    await db.flush()
    if ready or skipped:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="invitations.issued", payload={"purpose": purpose, "count": len(ready),
                                                           "superseded": superseded, "skipped": len(skipped)})
    issued = [IssuedInvitation(d, i, t) for d, i, t in zip(ready, invitations, tokens, strict=True)]
    return BulkIssue(issued, skipped, already)
