"""Sealed secret ballots: the server seals each choice at cast time; only the tally is ever decrypted.

A sealed ballot has a `ballot_sealing` row (mode, election key, trustees, the method's sum
rule) fixed before it opens. A cast stores, in `ballot_sealed_vote`, the ciphertexts and
proofs, the weight and the tracker: never the choice. At close the tally is the weighted sum
of the ciphertexts; in "sealed by the server" mode the server's trustee decrypts it there and
then (with a proof); with trustees, each sends a partial decryption. The result combines the
decrypted totals with the hall counts, in the clear. docs/audit-format.md, "Sealed ballots".
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.sealing import server_key
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.papers import PAPER_RULE, paper_rule
from unionvote.sealing.tallyfile import SealedTally, combine, read_partials, tally_hash
from unionvote.sealing.trustees import TrusteePublic, election_key
from unionvote.sealing.votes import SealedVote as Sealed
from unionvote.sealing.votes import SumRule, seal, weight_scale
from unionvote.voting.board import freeze_board
from unionvote.voting.models import (
    Ballot,
    BallotSealing,
    BallotState,
    SealedVote,
    SealingMode,
    Secrecy,
    TrusteeDecryption,
)
from unionvote.voting.rules import Method, Tally
from unionvote.voting.trustee_keys import registered_trustees

T = TypeVar("T")


def label_of(ballot_id: int) -> str:
    """The ballot label every proof's challenge names, so a vote or proof of one ballot is void in another."""
    return f"ballot:{ballot_id}"


def sum_rule_for(method: str, options: int, max_choices: int) -> SumRule:
    if method in (Method.FOR_AGAINST, Method.ONE_OF):
        return SumRule.exactly(options)
    if method == Method.UP_TO:
        return SumRule.up_to(options, max_choices)
    raise RuleViolation(_("A ranked ballot is not sealed by the homomorphic tally."))


def selection_of(option_keys: Sequence[str], method: str, chosen: Sequence[str]) -> list[int]:
    """One 0/1 per option, and for up-to-K a last blank slot (1 when nothing is chosen)."""
    slots = [int(key in chosen) for key in option_keys]
    return slots + [int(not chosen)] if method == Method.UP_TO else slots


def sealed_content_id(ballot_id: int, token: str) -> str:
    """HMAC keyed by the voter's token over the ballot alone: the voter's row, found again on a retry. It is
    published and says nothing of the choice, even to someone shown the token (a vote cannot be proved)."""
    return hmac.new(token.encode(), f"ballot-sealed:{ballot_id}".encode(), hashlib.sha256).hexdigest()[:32]


def retry_check(ballot_id: int, token: str, chosen: Sequence[str]) -> str:
    """Tells a retry with the same choice from another choice: HMAC-SHA256 over the ballot and the choice,
    keyed by HMAC-SHA256(retry key, token). The retry key derives from the server's sealing key, which is never
    in the database, and the token only the voter's device holds: one who lacks either (a database reader,
    a voter showing a coercer their token) cannot test the possible choices against it. Never exported."""
    key = hmac.new(_retry_key(server_key.wrapping_key_string()), token.encode(), hashlib.sha256).digest()
    message = f"ballot-retry:{ballot_id}:".encode() + canonical_json(list(chosen))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _retry_key(sealing_key: str) -> bytes:
    return hashlib.sha256(b"unionvote retry check key:" + sealing_key.encode("utf-8")).digest()


def sealed_tracker(ballot_id: int, content: str, sealed: dict[str, Any], weight: str) -> str:
    """SHA-256 of the canonical sealed row, first 60 bits in base32 (12 characters, as for open contents)."""
    row = {"ballot": ballot_id, "id": content, "sealed": sealed, "weight": weight}
    return base64.b32encode(hashlib.sha256(canonical_json(row)).digest()).decode()[:12]


async def seal_ballot(db: AsyncSession, ballot: Ballot, *, mode: SealingMode = SealingMode.SERVER,
                      trustees: Sequence[TrusteePublic] = (), by: int | None = None) -> BallotSealing:
    """Make a draft secret ballot sealed: its election key from the server's own trustee key or the trustees'."""
    assert ballot.id is not None
    if ballot.state != BallotState.DRAFT or ballot.secrecy != Secrecy.SECRET:
        raise RuleViolation(_("Only a draft secret ballot can be sealed."), 409)
    if await db.get(BallotSealing, ballot.id) is not None:
        raise RuleViolation(_("This ballot is already sealed."), 409)
    options = len(json.loads(ballot.options))
    rule = paper_rule(options) if ballot.method == Method.RANKED else sum_rule_for(
        ballot.method, options, ballot.max_choices).as_dict()
    label, wrapped = label_of(ballot.id), None
    if mode == SealingMode.SERVER:
        from unionvote.sealing.trustees import TrusteeKey

        key = TrusteeKey.generate()
        trustees, wrapped = [key.published()], server_key.wrap(key, label)
    try:
        for i, trustee in enumerate(trustees):
            trustee.check(f"trustee {i + 1}")
        public = election_key(trustees)
    except SealingError as exc:
        raise RuleViolation(_("The trustees' keys are not usable: %(problem)s.") % {"problem": exc}) from None
    sealing = BallotSealing(ballot_id=ballot.id, mode=mode, election_key=public.hex(),
                            trustees=canonical_json([t.as_dict() for t in trustees]).decode(),
                            rule=canonical_json(rule).decode(), wrapped_key=wrapped)
    db.add(sealing)
    ballot.sealing = mode
    await db.flush()
    await record(db, scope=scope_of("ballot", ballot.id), actor=actor_of(by), action="ballot.sealing",
                 payload={"ballot": ballot.id, "conference": ballot.conference_id, **sealing_document(sealing)})
    return sealing


def sealing_document(sealing: BallotSealing) -> dict[str, Any]:
    """The public facts of a ballot's sealing: mode, label, key, trustees and sum rule (never the wrapped key).

    A ranked ballot's papers are sealed whole: its rule is the paper rule, under `paper`, not `sum_rule`."""
    rule = json.loads(sealing.rule)
    return {"mode": sealing.mode, "label": label_of(sealing.ballot_id), "election_key": sealing.election_key,
            "trustees": json.loads(sealing.trustees), "paper" if rule.get("format") == PAPER_RULE else "sum_rule": rule}


@dataclass(frozen=True)
class CastSealing:
    """What a cast needs to seal: read with the ballot in the cast's one query."""

    key: str
    rule: str


def seal_choice(ballot: Ballot, sealing: CastSealing, chosen: Sequence[str], reveal: list[int] | None = None
                ) -> dict[str, Any]:
    """The sealed vote for `chosen`, as stored and published. The choice itself is not kept (nor the
    randomness, unless `reveal` asks for it: voting.audit_challenge)."""
    assert ballot.id is not None
    if ballot.method == Method.RANKED:
        from unionvote.voting.sealed_papers import seal_ranking

        return seal_ranking(ballot, sealing, chosen)
    keys = [key for key, _ in json.loads(ballot.options)]
    rule = SumRule.from_dict(json.loads(sealing.rule))
    return seal(Point.from_hex(sealing.key, "election key"), label_of(ballot.id),
                selection_of(keys, ballot.method, chosen), rule, reveal).as_dict()


async def sealed_rows(db: AsyncSession, ballot_id: int) -> list[SealedVote]:
    return list((await db.execute(select(SealedVote).where(SealedVote.ballot_id == ballot_id)
                                  .order_by(SealedVote.id))).scalars())


def sealed_rows_document(rows: Sequence[SealedVote]) -> list[dict[str, Any]]:
    return [{"id": r.id, "sealed": json.loads(r.sealed), "weight": r.weight, "tracker": r.tracker} for r in rows]


def tally_of(sealing: dict[str, Any], rows: Sequence[dict[str, Any]], *, check: bool = False) -> SealedTally:
    """The sealed tally (votes scaled to whole weights) from the public sealing facts and the sealed rows."""
    rule = SumRule.from_dict(sealing["sum_rule"])
    trustees = tuple(TrusteePublic.from_dict(t) for t in sealing["trustees"])
    weights = [Fraction(r["weight"]) for r in rows]
    scale = weight_scale(weights)
    votes = tuple((Sealed.from_dict(r["sealed"], rule, f"sealed vote {r['id']}"), int(w * scale))
                  for r, w in zip(rows, weights, strict=True))
    tally = SealedTally(sealing["label"], trustees, rule, scale, sum(w for _, w in votes), votes)
    if check:
        tally.check()
    return tally


@dataclass(frozen=True)
class SealedClose:
    count: int
    contents_hash: str
    tally_hash: str
    board_hash: str | None = None  # the frozen board (voting.board)

    def recorded(self) -> dict[str, str]:
        """What the ballot.closed entry records of the sealed votes, besides their count and contents hash."""
        return {"tally_hash": self.tally_hash, **({"board_hash": self.board_hash} if self.board_hash else {})}


async def close_sealed(db: AsyncSession, ballot: Ballot, digest: Any) -> SealedClose | None:
    """At close: the tally's hash for the record and, in server mode, the server trustee's partial decryption."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None:
        return None
    if ballot.method == Method.RANKED:
        from unionvote.voting.sealed_papers import close_papers

        return await close_papers(db, ballot, sealing, digest)
    rows = sealed_rows_document(await sealed_rows(db, ballot.id))
    document = sealing_document(sealing)
    sealed = tally_of(document, rows)
    tally = sealed.tally()
    if sealing.mode == SealingMode.SERVER and sealing.wrapped_key:
        try:
            key = server_key.unwrap(sealing.wrapped_key, document["label"])
        except SealingError as exc:
            raise RuleViolation(_("The ballot cannot be decrypted: %(problem)s") % {"problem": exc}, 500) from None
        partial = {"format": "unionvote-partial-decryption/1", "label": document["label"],
                   "public_key": key.public.hex(), "tally_hash": tally_hash(tally),
                   "partials": [key.partial_decrypt(ct, document["label"]).as_dict() for ct in tally]}
        db.add(TrusteeDecryption(ballot_id=ballot.id, public_key=key.public.hex(),
                                 document=canonical_json(partial).decode()))
    return SealedClose(len(rows), digest(rows), tally_hash(tally), await freeze_board(db, ballot.id, rows))


async def receive_decryption(db: AsyncSession, ballot: Ballot, document: Any, by: int | None = None) -> None:
    """A trustee's partial decryption of a closed ballot's tally, checked before it is stored."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None or ballot.state != BallotState.CLOSED:
        raise RuleViolation(_("Only a closed sealed ballot takes trustees' decryptions."), 409)
    if ballot.method == Method.RANKED:
        from unionvote.voting.sealed_papers import receive_paper_decryption

        return await receive_paper_decryption(db, ballot, sealing, document, by)
    facts = sealing_document(sealing)
    tally = tally_of(facts, sealed_rows_document(await sealed_rows(db, ballot.id))).tally()
    publics = [t["public_key"] for t in facts["trustees"]]
    public = document.get("public_key") if isinstance(document, dict) else None
    if public not in publics:
        raise RuleViolation(_("This partial decryption was not made with one of the ballot's trustee keys."))
    try:
        read_partials(document, facts["label"], tally, Point.from_hex(public))
    except SealingError as exc:
        raise RuleViolation(_("The partial decryption is refused: %(problem)s.") % {"problem": exc}) from None
    await store_decryption(db, ballot, public, document, by, tally_hash=document["tally_hash"])


async def store_decryption(db: AsyncSession, ballot: Ballot, public: str, document: dict[str, Any], by: int | None,
                           **recorded: str) -> None:
    """Keep a trustee's checked decryption, replacing one they sent before, and audit it with `recorded`."""
    assert ballot.id is not None
    existing = await db.get(TrusteeDecryption, (ballot.id, public))
    if existing is not None:
        await db.delete(existing)
        await db.flush()
    db.add(TrusteeDecryption(ballot_id=ballot.id, public_key=public, document=canonical_json(document).decode()))
    await record(db, scope=scope_of("ballot", ballot.id), actor=actor_of(by), action="ballot.decryption",
                 payload={"ballot": ballot.id, "conference": ballot.conference_id, "public_key": public,
                          **recorded})


@dataclass(frozen=True)
class SealedCount:
    online: Tally
    contents_hash: str
    summary: dict[str, Any]  # what the result document records of the sealed count


def count_from_totals(options: Sequence[str], method: str, totals: Sequence[int], scale: int,
                      rows: Sequence[dict[str, Any]]) -> Tally:
    """The online tally from the decrypted totals: weights per option; papers and blank from the slots."""
    tally = Tally()
    for key, total in zip(options, totals, strict=False):
        if total:
            tally.weights[key] = Fraction(total, scale)
    tally.papers = sum((Fraction(r["weight"]) for r in rows), Fraction(0))
    tally.blank = Fraction(totals[-1], scale) if method == Method.UP_TO else Fraction(0)
    tally.voters = len(rows)
    return tally


def sealed_summary(facts: dict[str, Any], sealed: SealedTally, totals: Sequence[int]) -> dict[str, Any]:
    return {"mode": facts["mode"], "election_key": facts["election_key"], "scale": sealed.scale,
            "tally_hash": tally_hash(sealed.tally()), "totals": list(totals)}


async def count_sealed(db: AsyncSession, ballot: Ballot, digest: Any) -> SealedCount | None:
    """The decrypted online tally of a closed sealed ballot; refused until every trustee has decrypted."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None:
        return None
    facts = sealing_document(sealing)
    rows = sealed_rows_document(await sealed_rows(db, ballot.id))
    sealed = tally_of(facts, rows)
    tally = sealed.tally()
    stored = {d.public_key: json.loads(d.document) for d in (await db.execute(
        select(TrusteeDecryption).where(TrusteeDecryption.ballot_id == ballot.id))).scalars()}
    shares = trustee_shares(facts, stored, lambda document, key: read_partials(document, facts["label"], tally, key),
                            N_("partial decryption"), N_("of this ballot's tally"))
    try:
        totals = combine(tally, shares, sealed.bound)
    except SealingError as exc:
        raise RuleViolation(_("The tally does not decrypt: %(problem)s.") % {"problem": exc}, 500) from None
    options = [key for key, _ in json.loads(ballot.options)]
    online = count_from_totals(options, ballot.method, totals, sealed.scale, rows)
    return SealedCount(online, digest(rows), sealed_summary(facts, sealed, totals))


async def tally_file(db: AsyncSession, ballot: Ballot) -> dict[str, Any]:
    """The sealed tally file a trustee decrypts with `unionvote trustee decrypt` (only once voting has closed)."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None or ballot.state != BallotState.CLOSED:
        raise RuleViolation(_("A sealed tally is exported once a sealed ballot has closed."), 409)
    if ballot.method == Method.RANKED:
        from unionvote.voting.sealed_papers import papers_file

        return await papers_file(db, ballot, sealing)
    return tally_of(sealing_document(sealing), sealed_rows_document(await sealed_rows(db, ballot.id))).as_dict()


async def sealing_export(db: AsyncSession, ballot: Ballot) -> dict[str, Any] | None:
    """sealing.json of the export: the public sealing facts and, once closed, every trustee's partial decryption."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None:
        return None
    decryptions: list[Any] = []
    if ballot.closed_at is not None:
        decryptions = [json.loads(d.document) for d in (await db.execute(
            select(TrusteeDecryption).where(TrusteeDecryption.ballot_id == ballot.id)
            .order_by(TrusteeDecryption.public_key))).scalars()]
    return {**sealing_document(sealing), "decryptions": decryptions}


async def conference_trustees(db: AsyncSession, conference_id: int) -> list[TrusteePublic]:
    """The trustees' public keys registered for the conference (their proofs were checked when registered)."""
    return [TrusteePublic.from_dict({"public_key": r.public_key, "proof": json.loads(r.proof)},
                                  f"the trustee key of {r.holder}")
            for r in await registered_trustees(db, conference_id)]


async def sealing_for(db: AsyncSession, conference_id: int, secrecy: str, chosen: str | None) -> str | None:
    """A new ballot's sealing mode: none for an open ballot; for a secret one, the mode chosen at set-up or,
    if none was, "trustees" when the conference has trustees' keys registered and "sealed by the server" if not."""
    if secrecy != Secrecy.SECRET:
        return None
    if chosen is not None:
        return SealingMode(chosen)
    return SealingMode.TRUSTEES if await conference_trustees(db, conference_id) else SealingMode.SERVER


async def seal_at_opening(db: AsyncSession, ballot: Ballot, by: int | None) -> None:
    """Every secret ballot that adds up (not ranked) is sealed as it opens, unless it was sealed as a draft
    (`unionvote trustee seal`): by the server, or to the conference's trustees' keys; none registered, no opening."""
    assert ballot.id is not None
    if ballot.secrecy != Secrecy.SECRET or ballot.method == Method.RANKED:
        return
    if await db.get(BallotSealing, ballot.id) is not None:
        return
    if (ballot.sealing or SealingMode.SERVER) == SealingMode.SERVER:
        await seal_ballot(db, ballot, mode=SealingMode.SERVER, by=by)
        return
    trustees = await conference_trustees(db, ballot.conference_id)
    if not trustees:
        raise RuleViolation(_("This ballot is to be sealed with the trustees' keys, and no trustee has registered "
                              "a key for this conference yet. The returning officer registers one on the "
                              "trustees' page; or prepare the ballot again, sealed by the server."), 409)
    await seal_ballot(db, ballot, mode=SealingMode.TRUSTEES, trustees=trustees, by=by)


def trustee_shares(facts: dict[str, Any], stored: dict[str, Any], read: Callable[[Any, Point], T],
                   what: str, of: str) -> list[T]:
    """Each trustee's stored `what` (e.g. "partial decryption"), in the trustees' order, read and checked by
    `read(document, trustee key)`; a RuleViolation names the first trustee whose share is missing or wrong."""
    shares = []
    for i, trustee in enumerate(facts["trustees"], start=1):
        document = stored.get(trustee["public_key"])
        if document is None:
            raise RuleViolation(_("Trustee %(number)s has not yet sent their %(what)s %(of)s.")
                                % {"number": i, "what": _(what), "of": _(of)}, 409)
        try:
            shares.append(read(document, Point.from_hex(trustee["public_key"])))
        except SealingError as exc:
            raise RuleViolation(_("Trustee %(number)s's %(what)s does not check: %(problem)s.")
                                % {"number": i, "what": _(what), "problem": exc}, 409) from None
    return shares
