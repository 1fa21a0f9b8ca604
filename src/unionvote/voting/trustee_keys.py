"""The trustees of a conference's sealed ballots: their registered public keys and the ballots awaiting them.

A trustee (the returning officer, optionally scrutineers) makes a key off the server, with
`unionvote trustee keygen` or in the browser on the trustees' page, and registers only the public
key with its proof of knowledge, which is checked here. A ballot sealed to trustees takes the
keys registered when it is sealed; at close each trustee hands back a partial decryption
(voting.sealed.receive_decryption checks it). All of them are needed (n of n).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.errors import RuleViolation
from unionvote.i18n import _, format_number
from unionvote.sealing.group import SealingError
from unionvote.sealing.trustees import TrusteePublic
from unionvote.voting.models import (
    Ballot,
    BallotSealing,
    BallotState,
    ConferenceTrustee,
    SealingMode,
    TrusteeDecryption,
)

PUBLIC_KEY_BYTES = 4000  # the line `trustee keygen` prints is about 250 bytes
PARTIAL_BYTES = 200_000  # a partial decryption is about 300 bytes a slot


def parse_json(text: str, what: str, limit: int) -> Any:
    text = text.strip()
    if not text:
        raise RuleViolation(_("Paste or choose %(what)s.") % {"what": _(what)})
    if len(text.encode("utf-8")) > limit:
        raise RuleViolation(_("That is too long to be %(what)s (at most %(limit)s bytes).")
                            % {"what": _(what), "limit": format_number(limit)}, 413)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleViolation(_("That is not %(what)s: it is not JSON (%(problem)s at line %(line)s).")
                            % {"what": _(what), "problem": exc.msg, "line": exc.lineno}) from None


async def registered_trustees(db: AsyncSession, conference_id: int) -> list[ConferenceTrustee]:
    return list((await db.execute(select(ConferenceTrustee).where(ConferenceTrustee.conference_id == conference_id)
                                  .order_by(ConferenceTrustee.id))).scalars())


async def register_trustee(db: AsyncSession, conference_id: int, published: Any, holder: str, *,
                           by: int | None) -> ConferenceTrustee:
    """Register a trustee's public key after checking its proof of knowledge; a key file is refused outright."""
    holder = holder.strip()
    if not holder or len(holder) > 100:
        raise RuleViolation(_("Say who holds this key (a name or role, up to 100 characters)."))
    if isinstance(published, dict) and "secret_key" in published:
        raise RuleViolation(_("That is a private key file: never give it to the server. Register the public key "
                              "instead (the line `unionvote trustee keygen` printed, or make a key in this page)."))
    if isinstance(published, dict) and published.get("kind") is not None:
        published = {name: published.get(name) for name in ("public_key", "proof")}
    try:
        trustee = TrusteePublic.from_dict(published, "The public key")
        trustee.check("The public key")
    except SealingError as exc:
        raise RuleViolation(_("The public key is refused: %(problem)s.") % {"problem": exc}) from None
    public = trustee.public.hex()
    existing = (await db.execute(select(ConferenceTrustee).where(
        ConferenceTrustee.conference_id == conference_id, ConferenceTrustee.public_key == public))).scalar_one_or_none()
    if existing is not None:
        raise RuleViolation(_("This key is already registered (held by %(holder)s).")
                            % {"holder": existing.holder}, 409)
    row = ConferenceTrustee(conference_id=conference_id, public_key=public,
                            proof=canonical_json(trustee.proof.as_dict()).decode(), holder=holder, registered_by=by)
    db.add(row)
    await db.flush()
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                 action="conference.trustee_registered",
                 payload={"conference": conference_id, "trustee": row.id, **trustee.as_dict()})
    return row


async def remove_trustee(db: AsyncSession, conference_id: int, trustee_id: int, *, by: int | None) -> None:
    """Stop sealing new ballots to a key; ballots already sealed to it still need it to be decrypted."""
    row = await db.get(ConferenceTrustee, trustee_id)
    if row is None or row.conference_id != conference_id:
        raise RuleViolation(_("There is no such trustee key in this conference."), 404)
    await db.delete(row)
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                 action="conference.trustee_removed",
                 payload={"conference": conference_id, "trustee": trustee_id, "public_key": row.public_key})


@dataclass(frozen=True)
class TrusteeTurn:
    public_key: str
    holder: str
    given: bool


@dataclass(frozen=True)
class AwaitingBallot:
    """A closed ballot sealed to trustees, and which of its trustees have decrypted its tally."""

    ballot: Ballot
    trustees: list[TrusteeTurn]

    @property
    def given(self) -> int:
        return sum(t.given for t in self.trustees)

    @property
    def complete(self) -> bool:
        return self.given == len(self.trustees)


async def awaiting_decryption(db: AsyncSession, conference_id: int) -> list[AwaitingBallot]:
    """Closed ballots sealed to trustees, not yet declared, newest first."""
    rows = (await db.execute(
        select(Ballot, BallotSealing).join(BallotSealing, BallotSealing.ballot_id == Ballot.id)
        .where(Ballot.conference_id == conference_id, Ballot.state == BallotState.CLOSED,
               BallotSealing.mode == SealingMode.TRUSTEES)
        .order_by(Ballot.closed_at.desc(), Ballot.id.desc()))).all()
    holders = {t.public_key: t.holder for t in await registered_trustees(db, conference_id)}
    found = []
    for ballot, sealing in rows:
        given = set((await db.execute(select(TrusteeDecryption.public_key)
                                      .where(TrusteeDecryption.ballot_id == ballot.id))).scalars())
        turns = [TrusteeTurn(t["public_key"], holders.get(t["public_key"], f"Trustee {i}"), t["public_key"] in given)
                 for i, t in enumerate(json.loads(sealing.trustees), start=1)]
        found.append(AwaitingBallot(ballot, turns))
    return found


async def awaiting_ballot(db: AsyncSession, conference_id: int, ballot_id: int) -> AwaitingBallot:
    for item in await awaiting_decryption(db, conference_id):
        if item.ballot.id == ballot_id:
            return item
    raise RuleViolation(_("That ballot is not a closed ballot sealed to trustees in this conference."), 404)


async def trustee_progress(db: AsyncSession, ballot: Ballot) -> AwaitingBallot | None:
    """For the chair's console: how far the trustees are with a closed ballot sealed to them (None otherwise)."""
    if ballot.state != BallotState.CLOSED or ballot.id is None:
        return None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None or sealing.mode != SealingMode.TRUSTEES:
        return None
    return await awaiting_ballot(db, ballot.conference_id, ballot.id)
