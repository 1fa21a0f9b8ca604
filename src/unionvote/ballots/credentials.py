"""Voting credentials: a single-use link and a short code per member, stored as hashes only.

The link token has 192 random bits, so a plain SHA-256 is enough to store it. The code
is short enough to type from a text message (10 characters, about 49 bits); it is
always entered with the membership number and hashed with a per-ballot salt, and code
attempts are rate-limited. Argon2 at 500,000 members would take hours to issue.
Re-issuing overwrites both hashes, so the old link and code stop working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.ballots.models import Member, MemberBallot, MemberBallotState
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.db import is_postgres, utcnow
from unionvote.i18n import _

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from a phone screen
CODE_LENGTH = 10
ISSUE_BATCH = 5_000
EXPORT_HEADER = ("membership number", "name", "email", "mobile", "employer", "workplace", "voting link",
                 "voting code", "notice")


@dataclass(frozen=True)
class Credential:
    member_id: int
    membership_number: str
    name: str | None
    email: str | None
    mobile: str | None
    employer: str
    workplace: str
    link_token: str
    code: str


def link_hash(token: str) -> str:
    return hashlib.sha256(f"member-link:{token}".encode()).hexdigest()


def code_hash(salt: str, membership_number: str, code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{salt}:{membership_number.strip().upper()}:{normalised}".encode()).hexdigest()


def new_code() -> str:
    # 64 random bits in base 31: 31**10 is under 2**50, so the bias of the remainder is below 1 in 10,000.
    number, digits = int.from_bytes(secrets.token_bytes(8)), []
    for _place in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _check_issuable(ballot: MemberBallot) -> None:
    if ballot.state not in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError(_("Voting has closed: no credentials can be issued now."), 409)
    if ballot.erased_at is not None:
        raise MemberBallotError(_("This ballot's personal data has been erased."), 409)


async def issue_credentials(db: AsyncSession, ballot_id: int, *, by: int | None) -> list[Credential]:
    """A link and code for every member who has none yet (those issued before keep theirs)."""
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    issued: list[Credential] = []
    after, now = 0, utcnow()
    while True:
        members = (await db.execute(select(Member.id, Member.membership_number, Member.name, Member.email,
                                           Member.mobile, Member.employer, Member.workplace).where(
            Member.ballot_id == ballot_id, Member.removed_at.is_(None), Member.link_hash.is_(None),
            Member.id > after).order_by(Member.id).limit(ISSUE_BATCH))).all()
        if not members:
            break
        changes = []
        for member in members:
            token, code = secrets.token_urlsafe(24), new_code()
            issued.append(Credential(member.id, member.membership_number, member.name, member.email, member.mobile,
                                     member.employer, member.workplace, token, code))
            changes.append({"id": member.id, "link_hash": link_hash(token),
                            "code_hash": code_hash(ballot.code_salt, member.membership_number, code),
                            "credential_issued_at": now})
        await _store_hashes(db, changes)
        after = members[-1].id
    if issued:
        await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="credentials.issued",
                     payload={"count": len(issued)})
    return issued


async def _store_hashes(db: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """One batch of new hashes: on PostgreSQL COPY into a scratch table and one UPDATE ... FROM
    (an UPDATE per member would take minutes at 500,000); elsewhere an executemany by id."""
    if not is_postgres(db):
        await db.execute(update(Member), changes)
        return
    await db.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS member_new_credential "
                          "(id integer PRIMARY KEY, link_hash varchar(64), code_hash varchar(64), "
                          "issued_at timestamptz) ON COMMIT DROP"))
    await db.execute(text("TRUNCATE member_new_credential"))
    raw = await (await db.connection()).get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        "member_new_credential", columns=["id", "link_hash", "code_hash", "issued_at"],
        records=[(c["id"], c["link_hash"], c["code_hash"], c["credential_issued_at"]) for c in changes])
    await db.execute(text("UPDATE member SET link_hash = n.link_hash, code_hash = n.code_hash, "
                          "credential_issued_at = n.issued_at FROM member_new_credential n WHERE member.id = n.id"))


async def reissue_credential(db: AsyncSession, ballot_id: int, membership_number: str, *,
                             by: int | None) -> Credential:
    """A new link and code for one member; the old ones stop working."""
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot_id, Member.membership_number == membership_number.strip().upper(),
        Member.removed_at.is_(None)))).scalar_one_or_none()
    if member is None:
        raise MemberBallotError(_("No member with membership number '%(number)s' is in this ballot.")
                                % {"number": membership_number.strip()}, 404)
    if member.voted_at is not None:
        raise MemberBallotError(_("That member has voted already: a new link would not let them vote again."), 409)
    token, code = secrets.token_urlsafe(24), new_code()
    member.link_hash, member.code_hash = link_hash(token), code_hash(ballot.code_salt, member.membership_number, code)
    member.credential_issued_at, member.credential_used_at = utcnow(), None
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="credential.reissued",
                 payload={"member_id": member.id})
    return Credential(member.id, member.membership_number, member.name, member.email, member.mobile,  # type: ignore[arg-type]
                      member.employer, member.workplace, token, code)


def export_rows(credentials: list[Credential], base_url: str, notice: str) -> Iterator[list[str]]:
    for c in credentials:
        yield [c.membership_number, c.name or "", c.email or "", c.mobile or "", c.employer, c.workplace,
               f"{base_url}/vote/{c.link_token}", format_code(c.code), notice]


async def member_for_link(db: AsyncSession, token: str) -> Member | None:
    if not token or len(token) > 128:
        return None
    return (await db.execute(select(Member).where(Member.link_hash == link_hash(token)))).scalar_one_or_none()


async def member_for_code(db: AsyncSession, ballot: MemberBallot, membership_number: str, code: str) -> Member | None:
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot.id, Member.membership_number == membership_number.strip().upper(),
        Member.removed_at.is_(None)))).scalar_one_or_none()
    if member is None or member.code_hash is None:
        return None
    expected = code_hash(ballot.code_salt, member.membership_number, code)
    return member if hmac.compare_digest(member.code_hash, expected) else None
