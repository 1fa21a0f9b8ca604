"""Joining a consultation and being recognised again, without the server learning who is who.

In anonymous mode, joining writes one thing only: a claim (consult_claim) whose mark is an HMAC,
under the server's secret key, of the invitation or the account. It refuses a second join, and
to someone reading the database it says "someone joined", never who: no row that names the
person (their invitation, account or session) is written by joining. The person's browser gets
a random key (a cookie, and a resume code to keep) that carries a MAC under the server's
secret, so the server can tell later that it issued the key for this consultation without
storing anything about it. The pseudonymous participant row (a random id and the hash of the
key) is written later, in the transaction of the participant's first thought, rating or report:
never in the join's transaction. Their segment attributes travel with the key in a second
signed cookie until then.

In confidential mode the participant row names the person, for the named analysts, and is
written when they join.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.audience import audience_of
from unionvote.consult.models import ATTRIBUTES, Anonymity, Claim, Consultation, Invitation, Participant
from unionvote.consult.setup import ConsultError, open_phases
from unionvote.i18n import _
from unionvote.security import token_digest

KEY_PREFIX = "uvc_"  # a participant key; also shown to the participant as their resume code
_NONCE_CHARS, _MAC_CHARS = 32, 22  # token_urlsafe(24) and 16 bytes of HMAC-SHA256, base64url


def random_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Joining:
    participant: Participant  # not yet in the database in anonymous mode: see `saved`
    key: str
    about: str  # the signed attributes cookie ("" when there are none)


def _mac(secret: str, purpose: str, consultation_id: int, text: str, chars: int = _MAC_CHARS) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{consultation_id}:{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:chars]


def issue_key(secret: str, consultation_id: int) -> str:
    nonce = secrets.token_urlsafe(24)
    return KEY_PREFIX + nonce + _mac(secret, "consult-key", consultation_id, nonce)


def key_is_ours(secret: str, consultation_id: int, key: str) -> bool:
    body = key[len(KEY_PREFIX):]
    if len(body) != _NONCE_CHARS + _MAC_CHARS:
        return False
    return hmac.compare_digest(body[_NONCE_CHARS:], _mac(secret, "consult-key", consultation_id, body[:_NONCE_CHARS]))


def seal_attributes(secret: str, consultation_id: int, key: str, attributes: dict[str, str | None]) -> str:
    """The attributes for the participant row still to be written, bound to this key."""
    given = {k: v for k, v in attributes.items() if v}
    if not given:
        return ""
    body = base64.urlsafe_b64encode(json.dumps(given, sort_keys=True).encode()).decode()
    return body + "." + _mac(secret, "consult-about", consultation_id, key + body, 43)


def open_attributes(secret: str, consultation_id: int, key: str, sealed: str | None) -> dict[str, str | None]:
    body, _, mac = (sealed or "").partition(".")
    if not body or len(sealed or "") > 2000 or not hmac.compare_digest(
            mac, _mac(secret, "consult-about", consultation_id, key + body, 43)):
        return {}
    try:
        given = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return {}
    return {name: str(given[name])[:100] if given.get(name) else None for name in ATTRIBUTES}


def _marks(secret: str, consultation_id: int, who: str) -> tuple[str, str]:
    """The claim mark for `who` ("user:5", "invitation:7"), and the plain one joins made before marks were keyed."""
    keyed = hmac.new(secret.encode(), f"consult-claim:{consultation_id}:{who}".encode(), hashlib.sha256).hexdigest()
    legacy = f"legacy-{who}" if who.startswith("invitation:") else f"legacy-user:{consultation_id}:{who[5:]}"
    return keyed, legacy


async def has_claimed(db: AsyncSession, consultation_id: int, who: str, *, secret: str) -> bool:
    return (await db.execute(select(Claim.mark).where(Claim.mark.in_(_marks(secret, consultation_id, who)))))\
        .first() is not None


async def _claim(db: AsyncSession, consultation_id: int, who: str, *, secret: str) -> bool:
    """Write the claim, or say it was there already: of two joins at once, the database lets one win."""
    if await has_claimed(db, consultation_id, who, secret=secret):
        return False
    try:
        async with db.begin_nested():
            db.add(Claim(mark=_marks(secret, consultation_id, who)[0], consultation_id=consultation_id))
    except IntegrityError:
        return False
    return True


async def claims(db: AsyncSession, consultation_id: int) -> int:
    """How many have joined (links used, or delegates joined)."""
    return (await db.execute(select(func.count()).select_from(Claim).where(Claim.consultation_id == consultation_id))
            ).scalar_one()


def _clean_attributes(raw: dict[str, str | None]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in ATTRIBUTES:
        value = (raw.get(name) or "").strip()
        if len(value) > 100:
            raise ConsultError(_("%(field)s is too long: keep it to 100 characters.")  # Employer, Role...: marked
                               % {"field": _(name.capitalize())})  # in consult.pages_common.ATTRIBUTE_WORDS
        out[name] = value or None
    return out


def _require_taking_part(consultation: Consultation) -> None:
    if not open_phases(consultation) & {"share", "star"}:
        raise ConsultError(_("This consultation is not taking part now: Share and Star are both closed."), 409)


async def new_participant(db: AsyncSession, consultation: Consultation, attributes: dict[str, str | None],
                          person_ref: str) -> Joining:
    """A participant row written at once (confidential mode, and seeding): the key needs no MAC."""
    _require_taking_part(consultation)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    participant = Participant(id=random_id(), consultation_id=consultation.id, key_hash=token_digest(key),  # type: ignore[arg-type]
                              person_ref=person_ref if consultation.anonymity == Anonymity.CONFIDENTIAL else None,
                              **attributes)
    db.add(participant)
    await db.flush()
    return Joining(participant, key, "")


async def _joining(db: AsyncSession, consultation: Consultation, attributes: dict[str, str | None],
                   person_ref: str, secret: str) -> Joining:
    if consultation.anonymity == Anonymity.CONFIDENTIAL:
        return await new_participant(db, consultation, attributes, person_ref)
    _require_taking_part(consultation)
    key = issue_key(secret, consultation.id)  # type: ignore[arg-type]
    return Joining(_unsaved(consultation.id, key, attributes), key,  # type: ignore[arg-type]
                   seal_attributes(secret, consultation.id, key, attributes))  # type: ignore[arg-type]


def _unsaved(consultation_id: int, key: str, attributes: dict[str, str | None]) -> Participant:
    return Participant(id=random_id(), consultation_id=consultation_id, key_hash=token_digest(key), **attributes)


async def saved(db: AsyncSession, participant: Participant) -> Participant:
    """The participant's row, written now if this is their first thought, rating or report."""
    if participant in db or await db.get(Participant, participant.id) is not None:
        return participant
    try:
        async with db.begin_nested():
            db.add(participant)
    except IntegrityError:  # the same key's first write, from another tab at the same moment
        return (await db.execute(select(Participant).where(Participant.key_hash == participant.key_hash))
                ).scalar_one()
    return participant


async def join_as_account(db: AsyncSession, consultation: Consultation, user_id: int,
                          attributes: dict[str, str | None], *, secret: str) -> Joining:
    audience = audience_of(consultation)
    if audience.uses_invitations:
        raise ConsultError(_("This consultation is joined through the invitation link you were sent."), 403)
    if not await audience.admits_account(db, consultation, user_id):
        raise ConsultError(_("This consultation is for the conference's delegates, and you are not on its register."),
                           403)
    if not await _claim(db, consultation.id, f"user:{user_id}", secret=secret):  # type: ignore[arg-type]
        raise ConsultError(_("You have joined this consultation already. To carry on from another device, "
                             "enter the resume code you were given."), 409)
    return await _joining(db, consultation, _clean_attributes(attributes), f"user:{user_id}", secret)


async def reader_invitation(db: AsyncSession, token: str) -> Invitation:
    """The invitation behind a link, used or not, while its person is still in the audience: it lets them
    read the results once Discover opens, whether they joined or not."""
    invitation = (await db.execute(select(Invitation).where(Invitation.token_hash == token_digest(token))))\
        .scalar_one_or_none() if len(token) <= 100 else None
    if invitation is None:
        raise ConsultError(_("This invitation link is not valid. Check you copied all of it, or ask the union "
                             "for a new one."), 404)
    consultation = await db.get(Consultation, invitation.consultation_id)
    assert consultation is not None
    if not await audience_of(consultation).admits_invitation(db, consultation, invitation):
        raise ConsultError(_("This invitation link no longer works: you are not in the electorate of the ballot "
                             "this consultation asks. If you think that is wrong, contact your branch."), 403)
    return invitation


async def invitation_used(db: AsyncSession, invitation: Invitation, *, secret: str) -> bool:
    return await has_claimed(db, invitation.consultation_id, f"invitation:{invitation.id}", secret=secret)


async def invitation_for(db: AsyncSession, token: str, *, secret: str) -> Invitation:
    """The invitation behind a link that can still be used to join."""
    invitation = await reader_invitation(db, token)
    if await invitation_used(db, invitation, secret=secret):
        raise ConsultError(_("This invitation link has been used already. If that was you, enter your resume "
                             "code on the consultation's page to carry on."), 409)
    return invitation


async def join_with_invitation(db: AsyncSession, token: str, attributes: dict[str, str | None], *,
                               secret: str) -> Joining:
    invitation = await invitation_for(db, token, secret=secret)
    consultation = await db.get(Consultation, invitation.consultation_id)
    assert consultation is not None
    # The claim, never the invitation's row: that row names the member, and nothing written now may.
    if not await _claim(db, consultation.id, f"invitation:{invitation.id}", secret=secret):  # type: ignore[arg-type]
        raise ConsultError(_("This invitation link has been used already."), 409)
    given = _clean_attributes(attributes)
    # Attributes from the import win; the person may fill in the ones the list left empty.
    merged = {name: getattr(invitation, name) or given[name] for name in ATTRIBUTES}
    return await _joining(db, consultation, merged, f"invitation:{invitation.id}", secret)


async def participant_for_key(db: AsyncSession, consultation_id: int, key: str | None, *, secret: str,
                              about: str | None = None) -> Participant | None:
    """The key's participant: their row, or, before their first write, one not yet saved (see `saved`)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    participant = (await db.execute(select(Participant).where(Participant.key_hash == token_digest(key))))\
        .scalar_one_or_none()
    if participant is not None:
        return participant if participant.consultation_id == consultation_id else None
    if not key_is_ours(secret, consultation_id, key):
        return None
    return _unsaved(consultation_id, key, open_attributes(secret, consultation_id, key, about))


async def has_joined(db: AsyncSession, consultation_id: int, user_id: int, *, secret: str) -> bool:
    return await has_claimed(db, consultation_id, f"user:{user_id}", secret=secret)
