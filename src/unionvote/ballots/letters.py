"""Printed letters for members with neither email nor mobile: one page each, the voting link as a QR code
and the code written out, letter by letter, for reading over the phone or typing.

Each letter is in the ballot's language, both languages of a bilingual ballot on its page. Printing
issues a fresh link and code for each member it prints who has none yet (codes are
stored hashed, so a letter is the only place they exist); the audit trail gets the count.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import segno
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.ballots.credentials import _check_issuable, _store_hashes, code_hash, format_code, link_hash, new_code
from unionvote.ballots.models import Member
from unionvote.ballots.services import lock_ballot, scope_for
from unionvote.db import utcnow
from unionvote.i18n import N_, _

# The international (ICAO) spelling alphabet, said the same in every language; the digits in the reader's.
SPOKEN_LETTERS = dict(zip("ABCDEFGHJKMNPQRSTUVWXYZ", (
    "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel Juliett Kilo Mike November Papa Quebec Romeo Sierra Tango "
    "Uniform Victor Whiskey X-ray Yankee Zulu").split(), strict=True))
SPOKEN_DIGITS = dict(zip("23456789", (N_("two"), N_("three"), N_("four"), N_("five"), N_("six"), N_("seven"),
                                      N_("eight"), N_("nine")), strict=True))
LETTER_LIMIT = 2_000  # one print run; print again for the next members


@dataclass(frozen=True)
class Letter:
    membership_number: str
    name: str
    workplace: str
    link: str
    code: str  # as printed: ABCDE-FGHJK
    qr_png: str  # a data: URI


def spoken(code: str) -> str:
    """ABCDE-FGHJK as 'Alfa Bravo ..., then ...': the code in words, unambiguous on the phone (digits and
    'then' in the language of the moment)."""
    halves = [" ".join(SPOKEN_LETTERS.get(c) or _(SPOKEN_DIGITS[c]) for c in half)
              for half in format_code(code.replace("-", "")).split("-")]
    return _("%(first)s, then %(second)s") % {"first": halves[0], "second": halves[1]}


def qr_data_uri(link: str) -> str:
    return segno.make(link, error="m").png_data_uri(scale=6, border=4)


def _no_email_or_mobile():  # type: ignore[no-untyped-def]
    return (or_(Member.email.is_(None), Member.email == ""), or_(Member.mobile.is_(None), Member.mobile == ""))


async def print_letters(db: AsyncSession, ballot_id: int, base_url: str, *, by: int | None) -> list[Letter]:
    """A link and code for each member with no email and no mobile who has no credential yet and has not voted."""
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    members = (await db.execute(select(Member.id, Member.membership_number, Member.name, Member.workplace).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None), Member.voted_at.is_(None),
        Member.link_hash.is_(None), *_no_email_or_mobile()).order_by(Member.workplace, Member.name, Member.id)
        .limit(LETTER_LIMIT))).all()
    letters, changes, now = [], [], utcnow()
    for member_id, number, name, workplace in members:
        token, code = secrets.token_urlsafe(24), new_code()
        link = f"{base_url}/vote/{token}"
        letters.append(Letter(number, name or "", workplace, link, format_code(code), qr_data_uri(link)))
        changes.append({"id": member_id, "link_hash": link_hash(token),
                        "code_hash": code_hash(ballot.code_salt, number, code), "credential_issued_at": now})
    if changes:
        await _store_hashes(db, changes)
        await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="credentials.printed",
                     payload={"count": len(changes)})
    return letters
