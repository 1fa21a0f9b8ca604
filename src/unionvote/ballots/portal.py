"""Signed links from the union's member portal: a member already signed in there votes without a code.

The portal and unionvote share a secret per ballot. The portal sends the member to

    /ballots/<slug>/portal?member=<membership number>&at=<unix seconds>&sig=<hex>

where sig = lowercase hex of HMAC-SHA256(secret, message) (RFC 2104, FIPS 180-4) and message is the
UTF-8 bytes of "unionvote-portal-v1" LF slug LF membership number LF at, the membership number as in
the import (upper case) and `at` a decimal integer with no sign or leading zeros. A link is good for
PORTAL_WINDOW seconds after `at` (and up to CLOCK_SKEW seconds before it) and for one use: the
SHA-256 of its signature is kept per ballot, so a second use is refused. A good link issues the
member a fresh single-use voting link (their emailed link stops working; their code still works)
and sends them to it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.ballots.credentials import _check_issuable, link_hash
from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.outreach_models import MemberBallotOutreach, MemberPortalUse
from unionvote.ballots.services import MemberBallotError, get_ballot, scope_for
from unionvote.db import utcnow
from unionvote.i18n import N_, _

PORTAL_WINDOW = 120
CLOCK_SKEW = 30
MIN_SECRET = 32
ASK_AGAIN = N_("Go back to the member portal and follow its voting link again.")


def portal_message(slug: str, membership_number: str, at: int) -> bytes:
    return f"unionvote-portal-v1\n{slug}\n{membership_number}\n{at}".encode()


def portal_signature(secret: str, slug: str, membership_number: str, at: int) -> str:
    return hmac.new(secret.encode(), portal_message(slug, membership_number, at), hashlib.sha256).hexdigest()


async def set_portal_secret(db: AsyncSession, ballot_id: int, secret: str, *, by: int | None) -> str:
    """Store the ballot's portal secret (a new random one when none is given); returns it to show once."""
    await get_ballot(db, ballot_id)
    secret = secret.strip() or secrets.token_urlsafe(48)
    if not MIN_SECRET <= len(secret) <= 128 or not secret.isascii() or not secret.isprintable():
        raise MemberBallotError(_("The portal secret must be %(least)s to 128 printable ASCII characters; leave "
                                  "it empty to have one made.") % {"least": MIN_SECRET})
    outreach = await db.get(MemberBallotOutreach, ballot_id)
    if outreach is None:
        db.add(MemberBallotOutreach(ballot_id=ballot_id, portal_secret=secret))
    else:
        outreach.portal_secret = secret
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="portal.secret_set", payload={})
    return secret


async def member_from_portal(db: AsyncSession, ballot: MemberBallot, number: str, at_raw: str, sig: str,
                             now: float | None = None) -> tuple[Member, str | None]:
    """Check a portal link and spend it; the member and a fresh voting-link token, or why not. A member who has
    voted gets no token: their used credential stays as it is (the caller records the attempt)."""
    secret = (await db.execute(select(MemberBallotOutreach.portal_secret).where(
        MemberBallotOutreach.ballot_id == ballot.id))).scalar_one_or_none()
    if not secret:
        raise MemberBallotError(_("This ballot does not take links from a member portal. Use the link or code the "
                                "union sent you."), 404)
    if not at_raw.isdigit() or len(at_raw) > 12 or len(sig) != 64 or len(number) > 32:
        raise MemberBallotError(_("This portal link is incomplete.") + " " + _(ASK_AGAIN), 400)
    number, at = number.strip().upper(), int(at_raw)
    expected = portal_signature(secret, ballot.slug, number, at)
    if not hmac.compare_digest(expected, sig.lower()):
        raise MemberBallotError(_("This portal link is not signed for this ballot.") + " " + _(ASK_AGAIN), 403)
    moment = time.time() if now is None else now
    if moment > at + PORTAL_WINDOW or at > moment + CLOCK_SKEW:
        raise MemberBallotError(_("This portal link has expired: they last two minutes.") + " " + _(ASK_AGAIN), 410)
    _check_issuable(ballot)
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot.id, Member.membership_number == number,
        Member.removed_at.is_(None)))).scalar_one_or_none()
    if member is None:
        raise MemberBallotError(_("You are not on this ballot's list of members. Ask your branch."), 403)
    try:
        async with db.begin_nested():
            db.add(MemberPortalUse(ballot_id=ballot.id, signature=hashlib.sha256(sig.lower().encode()).hexdigest()))  # type: ignore[arg-type]
    except IntegrityError:
        raise MemberBallotError(_("This portal link has been used already.") + " " + _(ASK_AGAIN), 409) from None
    if member.voted_at is not None:
        return member, None
    token = secrets.token_urlsafe(24)
    member.link_hash, member.credential_issued_at, member.credential_used_at = link_hash(token), utcnow(), None
    await record(db, scope=scope_for(ballot.id), actor="system", action="portal.link_used",  # type: ignore[arg-type]
                 payload={"member_id": member.id})
    return member, token
