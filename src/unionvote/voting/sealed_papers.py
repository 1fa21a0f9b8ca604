"""Sealed ranked papers on the server: sealed whole at cast, opened only after close, published in canonical order.

A ranked ballot's `ballot_sealing` row holds the paper rule (sealing.papers.paper_rule) where a
summed ballot holds its sum rule; each cast stores one sealed paper in `ballot_sealed_vote`
(the same board, trackers and weights as a summed ballot's votes); each trustee's shares of every
paper go in `ballot_decryption`. In server mode the server's key is unwrapped at close, never
before. The opened papers are never stored in board order: they are sorted by their canonical
encoding (then weight) before anyone sees them. docs/audit-format.md, "Sealed ranked papers".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.errors import RuleViolation
from unionvote.i18n import N_
from unionvote.sealing import server_key
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.papers import (
    PapersFile,
    SealedPaper,
    decryption_document,
    encode_paper,
    open_papers,
    papers_hash,
    read_decryption,
    seal_paper,
)
from unionvote.sealing.trustees import TrusteePublic
from unionvote.voting.board import freeze_board
from unionvote.voting.models import Ballot, BallotSealing, BallotState, SealingMode, TrusteeDecryption
from unionvote.voting.sealed import (
    CastSealing,
    SealedClose,
    label_of,
    sealed_rows,
    sealed_rows_document,
    sealing_document,
    store_decryption,
    trustee_shares,
)


def seal_ranking(ballot: Ballot, sealing: CastSealing, chosen: Sequence[str]) -> dict[str, Any]:
    """The sealed paper for a ranking of option keys, as stored and published. The ranking is not kept."""
    assert ballot.id is not None
    keys = [key for key, _ in json.loads(ballot.options)]
    index = {key: i for i, key in enumerate(keys)}
    return seal_paper(Point.from_hex(sealing.key, "election key"), label_of(ballot.id),
                      [index[key] for key in chosen], len(keys)).as_dict()


def sealed_papers_of(facts: dict[str, Any], rows: Sequence[dict[str, Any]]) -> list[SealedPaper]:
    candidates = facts["paper"]["candidates"]
    return [SealedPaper.from_dict(r["sealed"], candidates, f"sealed paper {r['id']}") for r in rows]


def canonical_papers(options: Sequence[str], rankings: Sequence[tuple[int, ...]], weights: Sequence[str]
                     ) -> list[dict[str, Any]]:
    """Opened papers as published: sorted by canonical encoding, then weight; never in board order."""
    n = len(options)
    ordered = sorted(zip(rankings, weights, strict=True), key=lambda p: (encode_paper(p[0], n), Fraction(p[1])))
    return [{"choice": [options[i] for i in ranking], "weight": weight} for ranking, weight in ordered]


async def _decryptions(db: AsyncSession, ballot_id: int) -> dict[str, Any]:
    return {d.public_key: json.loads(d.document) for d in (await db.execute(
        select(TrusteeDecryption).where(TrusteeDecryption.ballot_id == ballot_id))).scalars()}


async def close_papers(db: AsyncSession, ballot: Ballot, sealing: BallotSealing, digest: Any) -> SealedClose:
    """At close: the papers' hash and the frozen board for the record and, in server mode, the server's shares
    of every paper."""
    assert ballot.id is not None
    facts = sealing_document(sealing)
    rows = sealed_rows_document(await sealed_rows(db, ballot.id))
    papers = sealed_papers_of(facts, rows)
    if sealing.mode == SealingMode.SERVER and sealing.wrapped_key:
        try:
            key = server_key.unwrap(sealing.wrapped_key, facts["label"])  # at close, never before
        except SealingError as exc:
            raise RuleViolation(f"The ballot's papers cannot be opened: {exc}", 500) from None
        db.add(TrusteeDecryption(ballot_id=ballot.id, public_key=key.public.hex(), document=canonical_json(
            decryption_document(key, facts["label"], papers)).decode()))
    return SealedClose(len(rows), digest(rows), papers_hash(papers), await freeze_board(db, ballot.id, rows))


async def receive_paper_decryption(db: AsyncSession, ballot: Ballot, sealing: BallotSealing, document: Any,
                                   by: int | None = None) -> None:
    """A trustee's shares of a closed ranked ballot's papers, every proof checked before it is stored."""
    assert ballot.id is not None
    facts = sealing_document(sealing)
    papers = sealed_papers_of(facts, sealed_rows_document(await sealed_rows(db, ballot.id)))
    public = document.get("public_key") if isinstance(document, dict) else None
    if public not in [t["public_key"] for t in facts["trustees"]]:
        raise RuleViolation("This decryption was not made with one of the ballot's trustee keys.")
    try:
        read_decryption(document, facts["label"], papers, Point.from_hex(public))
    except SealingError as exc:
        raise RuleViolation(f"The decryption is refused: {exc}") from None
    await store_decryption(db, ballot, public, document, by, papers_hash=document["papers_hash"])


async def papers_file(db: AsyncSession, ballot: Ballot, sealing: BallotSealing) -> dict[str, Any]:
    """The sealed papers a trustee decrypts with `unionvote trustee decrypt`, once voting has closed."""
    assert ballot.id is not None
    facts = sealing_document(sealing)
    papers = sealed_papers_of(facts, sealed_rows_document(await sealed_rows(db, ballot.id)))
    trustees = tuple(TrusteePublic.from_dict(t) for t in facts["trustees"])
    return PapersFile(facts["label"], trustees, facts["paper"]["candidates"], tuple(papers)).as_dict()


async def opened_papers(db: AsyncSession, ballot: Ballot) -> list[dict[str, Any]] | None:
    """A closed ranked ballot's papers, opened with every trustee's shares, in canonical order.

    None if the ballot is not sealed; a RuleViolation names the first trustee whose shares are missing."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None:
        return None
    if ballot.state in (BallotState.DRAFT, BallotState.OPEN):
        raise RuleViolation("Ranked papers are opened only after voting has closed.", 409)
    facts = sealing_document(sealing)
    rows = sealed_rows_document(await sealed_rows(db, ballot.id))
    papers = sealed_papers_of(facts, rows)
    stored = await _decryptions(db, ballot.id)
    shares = trustee_shares(facts, stored, lambda document, key: read_decryption(document, facts["label"], papers, key),
                            N_("decryption"), N_("of this ballot's papers"))
    try:
        rankings = open_papers(Point.from_hex(facts["election_key"]), facts["label"], papers, shares,
                               facts["paper"]["candidates"])
    except SealingError as exc:
        raise RuleViolation(f"The papers do not open: {exc}", 500) from None
    options = [key for key, _ in json.loads(ballot.options)]
    return canonical_papers(options, rankings, [r["weight"] for r in rows])


async def missing_trustees(db: AsyncSession, ballot: Ballot) -> int:
    """How many of a sealed ballot's trustees have not yet sent their decryption (0 if not sealed)."""
    assert ballot.id is not None
    sealing = await db.get(BallotSealing, ballot.id)
    if sealing is None:
        return 0
    stored = await _decryptions(db, ballot.id)
    return sum(1 for t in json.loads(sealing.trustees) if t["public_key"] not in stored)
