"""Cast-or-audit (Benaloh's challenge) for sealed conference ballots: a voter checks the server's sealing.

With JavaScript, a voter may ask the server to seal their choice before casting. The server
stores nothing: it answers the sealed vote and a one-time handle, the randomness of each slot
encrypted (AES-256-GCM) under a key derived from the application's secret key, bound to the
ballot, the voter, an expiry and the sealed vote's hash. The voter then either

- casts that sealed vote (the ballot form, with the sealed vote and handle beside the choice):
  the server opens the handle, so it knows it sealed exactly this for this voter, checks every
  proof and that each slot encrypts the choice sent, and stores it as it stores any sealed vote; or
- challenges it: the server opens the handle and reveals the randomness, and the page recomputes
  each ciphertext from it and the choice on screen. A challenged vote is never castable, since
  it would then carry a receipt of how its voter voted; the page asks for a fresh sealing.

Cast and reveal both spend the handle (`ballot_spent_sealing`, keyed by a hash of its nonce), so
whichever comes first rules out the other. Nothing about the choice or the randomness is stored
or logged. docs/audit-format.md ("Checking the sealing: cast or audit") specifies the handle.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.conferences.eligibility import still_accredited
from unionvote.db import is_postgres
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.sealing.group import SCALAR_BYTES, Point, SealingError, scalar_hex
from unionvote.sealing.votes import SealedVote as Sealed
from unionvote.sealing.votes import SumRule, check_sealed
from unionvote.voting.counting import choices_of
from unionvote.voting.models import Ballot, BallotSealing, BallotState, ElectorateEntry, Participation, SpentSealing
from unionvote.voting.sealed import CastSealing, label_of, seal_choice, selection_of

VERSION = 1
HANDLE_SECONDS = 15 * 60  # time enough to read the check; a handle never outlives it
NONCE_BYTES = 12
HEADER_BYTES = 1 + 8 + NONCE_BYTES
NOT_OURS = N_("This sealed vote was not sealed by this server for you in this ballot, or it was sealed too "
               "long ago: seal your choice again.")

Prepared = Callable[[AsyncSession, Ballot, CastSealing, tuple[str, ...]], Awaitable[dict[str, Any]]]


def _aead(secret_key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"unionvote seal check key:" + secret_key.encode("utf-8")).digest())


def _bound_to(ballot_id: int, user_id: int, expires: int, sealed: Any) -> bytes:
    """The associated data: the handle opens only for this ballot, this voter, before expiry, with this vote."""
    digest = hashlib.sha256(canonical_json(sealed)).hexdigest()
    return f"unionvote seal check/{VERSION}:{ballot_id}:{user_id}:{expires}:{digest}".encode("ascii")


def make_handle(secret_key: str, ballot_id: int, user_id: int, sealed: dict[str, Any], randomness: Sequence[int],
                now: float | None = None) -> str:
    expires = int(now if now is not None else time.time()) + HANDLE_SECONDS
    nonce = os.urandom(NONCE_BYTES)
    body = b"".join(r.to_bytes(SCALAR_BYTES, "big") for r in randomness)
    sealed_body = _aead(secret_key).encrypt(nonce, body, _bound_to(ballot_id, user_id, expires, sealed))
    raw = bytes((VERSION,)) + expires.to_bytes(8, "big") + nonce + sealed_body
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def open_handle(secret_key: str, ballot_id: int, user_id: int, sealed: Any, handle: Any,
                now: float | None = None) -> tuple[str, list[int]]:
    """The handle's id (for spending it) and the randomness of each slot; 400 unless the server made it for this."""
    if not isinstance(handle, str) or len(handle) > 4096:
        raise RuleViolation(_(NOT_OURS))
    try:
        raw = base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4))
    except ValueError:
        raise RuleViolation(_(NOT_OURS)) from None
    if len(raw) <= HEADER_BYTES or raw[0] != VERSION:
        raise RuleViolation(_(NOT_OURS))
    expires, nonce = int.from_bytes(raw[1:9], "big"), raw[9:HEADER_BYTES]
    if expires < (now if now is not None else time.time()):
        raise RuleViolation(_(NOT_OURS))
    try:
        body = _aead(secret_key).decrypt(nonce, raw[HEADER_BYTES:], _bound_to(ballot_id, user_id, expires, sealed))
    except InvalidTag:
        raise RuleViolation(_(NOT_OURS)) from None
    randomness = [int.from_bytes(body[i:i + SCALAR_BYTES], "big") for i in range(0, len(body), SCALAR_BYTES)]
    return hashlib.sha256(nonce).hexdigest()[:32], randomness


async def _spend(db: AsyncSession, ballot_id: int, handle_id: str, refusal: str) -> None:
    """Spend the handle once; a second use (cast after reveal, reveal after cast, twice either) is refused."""
    upsert = pg_insert if is_postgres(db) else sqlite_insert
    done = await db.execute(upsert(SpentSealing).values(ballot_id=ballot_id, handle=handle_id)
                            .on_conflict_do_nothing())
    if not done.rowcount:  # type: ignore[attr-defined]
        raise RuleViolation(_(refusal), 409)


async def _open_sealed_ballot(db: AsyncSession, ballot_id: int, conference_id: int) -> tuple[Ballot, BallotSealing]:
    ballot = await db.get(Ballot, ballot_id)
    if ballot is None or ballot.conference_id != conference_id or ballot.state == BallotState.DRAFT:
        raise RuleViolation(_("No such ballot."), 404)
    if ballot.state != BallotState.OPEN:
        raise RuleViolation(_("Voting has closed in this ballot."), 409)
    sealing = await db.get(BallotSealing, ballot_id)
    if sealing is None:
        raise RuleViolation(_("This ballot's votes are not sealed, so there is no sealing to check."), 409)
    return ballot, sealing


async def prepare_sealing(db: AsyncSession, ballot_id: int, *, user_id: int, choice: Sequence[str], secret_key: str,
                          conference_id: int) -> dict[str, Any]:
    """Seal a voter's choice for them to check or cast. Nothing is written; the randomness leaves in the handle."""
    ballot, sealing = await _open_sealed_ballot(db, ballot_id, conference_id)
    entry = (await db.execute(select(ElectorateEntry).where(
        ElectorateEntry.ballot_id == ballot_id, ElectorateEntry.user_id == user_id))).scalars().first()
    if entry is None:
        raise RuleViolation(_("You are not in this ballot's electorate."), 403)
    if not await still_accredited(db, entry.delegate_id):
        raise RuleViolation(_("Your accreditation has been withdrawn, so you cannot vote."), 403)
    if (await db.execute(select(Participation.id).where(Participation.ballot_id == ballot_id,
                                                        Participation.delegate_id == entry.delegate_id))).first():
        raise RuleViolation(_("You have already voted in this ballot."), 409)
    chosen = choices_of(ballot).check(list(choice))
    randomness: list[int] = []
    sealed = seal_choice(ballot, CastSealing(sealing.election_key, sealing.rule), chosen, randomness)
    handle = make_handle(secret_key, ballot_id, user_id, sealed, randomness)
    return {"sealed": sealed, "handle": handle, "election_key": sealing.election_key, "label": label_of(ballot_id),
            "options": [key for key, _ in json.loads(ballot.options)], "blank_slot": ballot.method == "up_to_k"}


async def reveal_sealing(db: AsyncSession, ballot_id: int, *, user_id: int, sealed: Any, handle: Any,
                         secret_key: str, conference_id: int) -> dict[str, Any]:
    """The randomness of a sealed vote the server prepared for this voter, which then can never be cast."""
    await _open_sealed_ballot(db, ballot_id, conference_id)
    handle_id, randomness = open_handle(secret_key, ballot_id, user_id, sealed, handle)
    await _spend(db, ballot_id, handle_id, N_("This sealed vote has been cast or checked already: it cannot be "
                                            "revealed. Seal your choice again to check it."))
    return {"randomness": [scalar_hex(r) for r in randomness]}


def prepared_vote(sealed: Any, handle: Any, *, user_id: int, secret_key: str) -> Prepared:
    """What the cast stores instead of sealing afresh: the sealed vote the server prepared, once checked."""

    async def use(db: AsyncSession, ballot: Ballot, sealing: CastSealing, chosen: tuple[str, ...]
                  ) -> dict[str, Any]:
        assert ballot.id is not None
        handle_id, randomness = open_handle(secret_key, ballot.id, user_id, sealed, handle)
        rule = SumRule.from_dict(json.loads(sealing.rule))
        key = Point.from_hex(sealing.key, "election key")
        try:
            vote = Sealed.from_dict(sealed, rule)
            check_sealed(key, label_of(ballot.id), vote, rule)
        except SealingError as exc:
            raise RuleViolation(_("The sealed vote is refused: %(problem)s") % {"problem": exc}) from None
        keys = [k for k, _ in json.loads(ballot.options)]
        selection = selection_of(keys, ballot.method, chosen)
        if len(randomness) != len(vote.slots) or any(
                ct.alpha != Point.base_times(r) or ct.beta != key.times(r) + Point.base_times(m)
                for ct, r, m in zip(vote.slots, randomness, selection, strict=False)):
            raise RuleViolation(_("The sealed vote is not of the choice sent with it: seal your choice again."))
        await _spend(db, ballot.id, handle_id, N_("This sealed vote was shown to you to check it, so it cannot "
                                                   "be cast: cast the fresh one sealed for you, or vote again."))
        return vote.as_dict()

    return use


def prepared_from_form(sealed_text: Any, handle: Any, *, user_id: int, secret_key: str) -> Prepared | None:
    """The ballot form's optional `sealed` and `handle` fields (sent by the page's check); None without them."""
    if not sealed_text and not handle:
        return None
    try:
        sealed = json.loads(sealed_text) if isinstance(sealed_text, str) and len(sealed_text) < 65536 else None
    except ValueError:
        sealed = None
    if not isinstance(sealed, dict) or not isinstance(handle, str):
        raise RuleViolation(_("The sealed vote sent with the form is not readable: seal your choice again."))
    return prepared_vote(sealed, handle, user_id=user_id, secret_key=secret_key)
