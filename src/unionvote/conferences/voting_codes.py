"""Voting codes: membership number plus a short code, for delegates who struggle with passwords.

A code opens one conference's delegate pages and nothing else (the session is scoped to it).
Codes are 8 characters from an alphabet without look-alikes, printed as ABCD-EFGH.

Stored as HMAC-SHA256 keyed by the server's secret key, not argon2id: staff print codes for
a whole register at once, and 5,000 argon2id hashes would take minutes. Guessing online is
stopped by the rate limit and the lockout below; guessing offline from a stolen database
needs the secret key as well, which lives in the environment, not in the database.
Changing the secret key therefore invalidates every voting code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.bulk_accounts import accounts_for_all, chosen_delegates, chunks
from unionvote.conferences.credentials import VotingCode
from unionvote.conferences.delegate_accounts import account_for, lock_delegate
from unionvote.conferences.models import Conference
from unionvote.conferences.register import AccreditationStatus, Delegate
from unionvote.conferences.services import lock_conference
from unionvote.config import Settings
from unionvote.db import locked, utcnow

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8


def new_voting_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """Grouped 4-4, for reading aloud or printing."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    """What the person typed, without spaces or hyphens, in capitals; '' if it cannot be a code."""
    code = "".join(ch for ch in text.upper() if ch not in " -\t")
    return code if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code) else ""


def code_digest(settings: Settings, delegate_id: int, code: str) -> str:
    # A key of its own (derived from the secret key), and the delegate in the message: equal codes never match.
    key = hashlib.sha256(b"unionvote voting code\x00" + settings.secret_key.encode()).digest()
    return hmac.new(key, f"{delegate_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def _set_code(db: AsyncSession, delegate: Delegate, settings: Settings, by: int | None) -> tuple[str, bool]:
    """A new code for a locked delegate; returns it and whether it replaced one."""
    await account_for(db, delegate, by=by)
    code, now = new_voting_code(), utcnow()
    row = (await locked(db, select(VotingCode).where(VotingCode.delegate_id == delegate.id))).scalar_one_or_none()
    digest = code_digest(settings, delegate.id, code)  # type: ignore[arg-type]
    if row is None:
        db.add(VotingCode(conference_id=delegate.conference_id, delegate_id=delegate.id, code_hash=digest,
                          issued_at=now, issued_by=by))
    else:
        row.code_hash, row.issued_at, row.issued_by = digest, now, by
        row.failed_attempts, row.locked_until, row.last_used_at = 0, None, None
    await db.flush()
    return code, row is not None


async def issue_code(db: AsyncSession, conference_id: int, delegate_id: int, *, settings: Settings,
                     by: int | None) -> tuple[Delegate, str]:
    """Issue (or re-issue, ending the old one) a delegate's voting code."""
    delegate = await lock_delegate(db, conference_id, delegate_id)
    code, replaced = await _set_code(db, delegate, settings, by)
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                 action="voting_code.reissued" if replaced else "voting_code.issued",
                 payload={"delegate_id": delegate.id, "user_id": delegate.user_id})
    return delegate, code


async def issue_codes(db: AsyncSession, conference_id: int, delegate_ids: list[int] | None, *,
                      settings: Settings, by: int | None) -> list[tuple[Delegate, str]]:
    """Codes for the chosen delegates (re-issued if they had one), or for everyone who has none yet.

    A few queries for the whole list; one audit entry with counts (and bulk_accounts.py's).
    """
    await lock_conference(db, conference_id)
    delegates = await chosen_delegates(db, conference_id, delegate_ids)
    existing: dict[int, VotingCode] = {}
    for part in chunks([d.id for d in delegates]):  # type: ignore[misc]
        rows = await locked(db, select(VotingCode).where(VotingCode.delegate_id.in_(part)))
        existing.update({row.delegate_id: row for row in rows.scalars()})
    if delegate_ids is None:
        delegates = [d for d in delegates if d.id not in existing]
    accounts, skipped = await accounts_for_all(db, conference_id, delegates, by=by)
    issued, now = [], utcnow()
    for delegate in delegates:
        if delegate.id not in accounts:
            continue
        code = new_voting_code()
        digest = code_digest(settings, delegate.id, code)  # type: ignore[arg-type]
        row = existing.get(delegate.id)  # type: ignore[arg-type]
        if row is None:
            db.add(VotingCode(conference_id=conference_id, delegate_id=delegate.id, code_hash=digest, issued_at=now,
                              issued_by=by))
        else:
            row.code_hash, row.issued_at, row.issued_by = digest, now, by
            row.failed_attempts, row.locked_until, row.last_used_at = 0, None, None
        issued.append((delegate, code))
    await db.flush()
    if issued or skipped:
        reissued = sum(1 for d, _ in issued if d.id in existing)
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="voting_codes.issued", payload={"count": len(issued), "reissued": reissued,
                                                            "skipped": len(skipped)})
    return issued


# --- logging in ------------------------------------------------------------------------------------------


class CodeLogin(StrEnum):
    OK = "ok"
    BAD = "bad"
    LOCKED = "locked"
    REVOKED = "revoked"


REVOKED_CODE_MESSAGE = ("Your credential for this conference has been withdrawn, so your voting code no longer "
                        "opens its pages. Ask the accreditation desk.")
BAD_CODE_MESSAGE = "That membership number and voting code do not match. Check both and try again."
LOCKED_CODE_MESSAGE = ("Too many wrong codes for this membership number: it is locked for a while. "
                       "Try again later, or ask union staff for help.")


@dataclass(frozen=True)
class CodeLoginOutcome:
    result: CodeLogin
    user_id: int | None = None


async def conference_by_slug(db: AsyncSession, slug: str) -> Conference | None:
    return (await db.execute(select(Conference).where(Conference.slug == slug.strip().lower()))).scalar_one_or_none()


async def check_code(db: AsyncSession, settings: Settings, conference_id: int, membership_number: str, typed: str,
                     *, known_device_of: int | None = None) -> CodeLoginOutcome:
    """Check a code login, counting failures per delegate and locking after too many.

    A lock keeps out everyone but the delegate's own phone (`known_device_of`: the account its signed
    device cookie names), so someone typing wrong codes cannot lock a delegate out of the vote.
    The caller commits even when refusing, so that failures are counted.
    """
    number, code = membership_number.strip().upper()[:32], normalise_code(typed)
    found = (await locked(db, select(VotingCode, Delegate).join(Delegate, Delegate.id == VotingCode.delegate_id)
                          .where(Delegate.conference_id == conference_id, Delegate.membership_number == number,
                                 Delegate.erased_at.is_(None)))).one_or_none()
    row, delegate = found if found is not None else (None, None)
    expected = row.code_hash if row is not None else "0" * 64
    matches = hmac.compare_digest(code_digest(settings, delegate.id if delegate else 0, code), expected)
    now = utcnow()
    if row is None or delegate is None:
        return CodeLoginOutcome(CodeLogin.BAD)
    known = delegate.user_id is not None and delegate.user_id == known_device_of
    if row.locked_until is not None and row.locked_until > now and not known:
        return CodeLoginOutcome(CodeLogin.LOCKED)
    user = await db.get(User, delegate.user_id) if delegate.user_id is not None else None
    if not code or not matches or user is None or not user.is_active:
        row.failed_attempts += 1
        if row.failed_attempts >= settings.lockout_threshold:
            row.failed_attempts, row.locked_until = 0, now + timedelta(minutes=settings.lockout_minutes)
            await record(db, scope=scope_of("conference", conference_id), actor="system", action="voting_code.locked",
                         payload={"delegate_id": delegate.id, "minutes": settings.lockout_minutes})
        return CodeLoginOutcome(CodeLogin.BAD)
    row.failed_attempts, row.locked_until = 0, None
    if delegate.status == AccreditationStatus.REVOKED:  # told only to someone holding the right code
        return CodeLoginOutcome(CodeLogin.REVOKED)
    row.last_used_at = now
    return CodeLoginOutcome(CodeLogin.OK, user.id)
