"""Sealed member ballots: each answer is sealed as it is cast; only totals and large enough segments are decrypted.

A member ballot is sealed when it opens (the server's own trustee key, wrapped under the sealing
key that is never in the database) unless trustees were set for it while it was a draft
(`unionvote trustee seal --member-ballot`). A cast stores, per question, in `member_sealed_vote`:
the ciphertexts and proofs, the tracker and the voter's segments; never the choice. At close the
votes are summed homomorphically per question and per segment value (sealing.slices), and only
the question's total and the segments with at least `min_segment` votes and members are listed
for decryption: a smaller segment's sum is never decrypted, nor (complementary suppression) the
smallest others of its kind until the withheld ones hold at least `min_segment` votes together.
docs/audit-format.md, "Sealed member ballots", specifies every file and byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.ballots.models import (
    SEGMENTS,
    MemberBallot,
    MemberBallotSealing,
    MemberBallotState,
    MemberDecryption,
    MemberQuestion,
    MemberSealedVote,
    MemberTurnout,
)
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.sealing import server_key
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.slices import (
    SLICED_TALLY_FORMAT,
    Slice,
    SliceSums,
    combine_slices,
    complement_withheld,
    entries_hash,
    partial_document,
    read_sliced_partials,
    tally_entries,
)
from unionvote.sealing.trustees import TrusteeKey, TrusteePublic, checked_election_key
from unionvote.sealing.votes import SumRule, seal
from unionvote.voting.models import SealingMode

ROW_BATCH = 5_000


def ballot_label(ballot_id: int) -> str:
    return f"member_ballot:{ballot_id}"


def question_label(ballot_id: int, question_id: int) -> str:
    """What every proof of a sealed answer names, so an answer to one question is void in any other."""
    return f"member_ballot:{ballot_id}:question:{question_id}"


def option_keys(question: MemberQuestion) -> list[str]:
    return [key for key, _ in json.loads(question.options)]


def sum_rule(question: MemberQuestion) -> SumRule:
    """A member answers each question with exactly one of its options."""
    return SumRule.exactly(len(option_keys(question)))


async def _questions(db: AsyncSession, ballot_id: int) -> list[MemberQuestion]:
    return list((await db.execute(select(MemberQuestion).where(MemberQuestion.ballot_id == ballot_id)
                                  .order_by(MemberQuestion.position))).scalars())


def sealing_document(sealing: MemberBallotSealing, questions: Sequence[MemberQuestion]) -> dict[str, Any]:
    """The public facts of a ballot's sealing (never the wrapped key)."""
    return {"mode": sealing.mode, "label": ballot_label(sealing.ballot_id), "election_key": sealing.election_key,
            "trustees": json.loads(sealing.trustees),
            "questions": [{"question": q.id, "label": question_label(sealing.ballot_id, q.id),  # type: ignore[arg-type]
                           "sum_rule": sum_rule(q).as_dict()} for q in questions]}


async def seal_member_ballot(db: AsyncSession, ballot: MemberBallot, *, mode: SealingMode = SealingMode.SERVER,
                             trustees: Sequence[TrusteePublic] = (), by: int | None = None) -> MemberBallotSealing:
    """Fix a draft ballot's election key: the server's own trustee key, or the trustees' keys."""
    assert ballot.id is not None
    if ballot.state != MemberBallotState.DRAFT:
        raise RuleViolation(_("Only a draft member ballot can be sealed; this one has opened."), 409)
    if await db.get(MemberBallotSealing, ballot.id) is not None:
        raise RuleViolation(_("This member ballot is already sealed."), 409)
    wrapped = None
    if mode == SealingMode.SERVER:
        key = TrusteeKey.generate()
        try:
            trustees, wrapped = [key.published()], server_key.wrap(key, ballot_label(ballot.id))
        except SealingError as exc:
            raise RuleViolation(_("The ballot cannot be sealed: %(problem)s") % {"problem": exc}, 500) from None
    try:
        public = checked_election_key(trustees, "trustee {}", first=1)
    except SealingError as exc:
        raise RuleViolation(_("The trustees' keys are not usable: %(problem)s.") % {"problem": exc}) from None
    sealing = MemberBallotSealing(ballot_id=ballot.id, mode=mode, election_key=public.hex(),
                                  trustees=canonical_json([t.as_dict() for t in trustees]).decode(),
                                  wrapped_key=wrapped)
    db.add(sealing)
    await db.flush()
    await record(db, scope=scope_of("member_ballot", ballot.id), actor=actor_of(by), action="member_ballot.sealing",
                 payload=sealing_document(sealing, await _questions(db, ballot.id)))
    return sealing


async def seal_at_opening(db: AsyncSession, ballot: MemberBallot, by: int | None) -> None:
    """Every member ballot is sealed: by the server, unless trustees were set while it was a draft."""
    assert ballot.id is not None
    if await db.get(MemberBallotSealing, ballot.id) is None:
        await seal_member_ballot(db, ballot, mode=SealingMode.SERVER, by=by)


def answer_id(question_id: int, token: str) -> str:
    """HMAC keyed by the voter's token over the question alone: the voter's row, found again on a retry. It is
    exported and says nothing of the answer, even to someone shown the token (a vote cannot be proved)."""
    return hmac.new(token.encode(), f"member-sealed:{question_id}".encode(), hashlib.sha256).hexdigest()[:32]


def retry_check(question_id: int, token: str, chosen: Sequence[str]) -> str:
    """Tells a retry with the same answer from another answer: HMAC-SHA256 over the question and the answer,
    keyed by HMAC-SHA256(K, token) where K derives from the sealing key (never in the database). One who lacks
    the token or the key (a database reader; a voter showing their token) cannot test answers against it.
    Never exported."""
    root = hashlib.sha256(b"unionvote member retry key:" + server_key.wrapping_key_string().encode()).digest()
    key = hmac.new(root, token.encode(), hashlib.sha256).digest()
    return hmac.new(key, f"member-retry:{question_id}:".encode() + canonical_json(list(chosen)),
                    hashlib.sha256).hexdigest()


def segments_of(holder: Any) -> dict[str, str]:
    return {kind: getattr(holder, kind) for kind in SEGMENTS}


def _row_text(question_id: int, ident: str, slots: str, proofs: str, segments: dict[str, str]) -> str:
    """Canonical JSON of {id, proofs, question, segments, slots}, from the stored canonical texts (keys sorted)."""
    return (f'{{"id":"{ident}","proofs":{proofs},"question":{question_id},'
            f'"segments":{canonical_json(segments).decode()},"slots":{slots}')


def tracker_of_row(question_id: int, ident: str, slots: str, proofs: str, segments: dict[str, str]) -> str:
    """First 12 base32 characters of SHA-256 of the canonical row without its tracker."""
    text = _row_text(question_id, ident, slots, proofs, segments) + "}"
    return base64.b32encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()[:12]


def export_line(question_id: int, ident: str, slots: str, proofs: str, segments: dict[str, str], tracker: str
                ) -> bytes:
    """One line of sealed.jsonl: the canonical row with its tracker, then a newline."""
    return (_row_text(question_id, ident, slots, proofs, segments) + f',"tracker":"{tracker}"}}\n').encode("utf-8")


@dataclass(frozen=True)
class SealedAnswer:
    id: str
    slots: str
    proofs: str
    tracker: str
    retry_check: str


def seal_answer(election: str, ballot_id: int, question: MemberQuestion, chosen: Sequence[str], token: str,
                segments: dict[str, str]) -> SealedAnswer:
    """The stored row of one answer: sealed under the election key, with proofs. The choice is not kept."""
    assert question.id is not None
    keys = option_keys(question)
    vote = seal(Point.from_hex(election, "election key"), question_label(ballot_id, question.id),
                [int(key in chosen) for key in keys], sum_rule(question)).as_dict()
    slots = canonical_json(vote["slots"]).decode()
    proofs = canonical_json({"slot_proofs": vote["slot_proofs"], "sum_proof": vote["sum_proof"]}).decode()
    ident = answer_id(question.id, token)
    return SealedAnswer(ident, slots, proofs, tracker_of_row(question.id, ident, slots, proofs, segments),
                        retry_check(question.id, token, chosen))


COLUMNS = (MemberSealedVote.question_id, MemberSealedVote.id, MemberSealedVote.slots, MemberSealedVote.proofs,
           MemberSealedVote.tracker, *(getattr(MemberSealedVote, kind) for kind in SEGMENTS))


@dataclass(frozen=True)
class Row:
    question_id: int
    id: str
    slots: str
    proofs: str
    tracker: str
    segments: dict[str, str]

    def line(self) -> bytes:
        return export_line(self.question_id, self.id, self.slots, self.proofs, self.segments, self.tracker)


async def sealed_rows(db: AsyncSession, questions: Sequence[MemberQuestion]) -> AsyncIterator[Row]:
    """Every sealed answer, by question position then id, read in batches (a ballot may hold millions)."""
    for question in questions:
        after = ""
        while True:
            batch = (await db.execute(select(*COLUMNS).where(
                MemberSealedVote.question_id == question.id, MemberSealedVote.id > after)
                .order_by(MemberSealedVote.id).limit(ROW_BATCH))).all()
            if not batch:
                break
            for q, ident, slots, proofs, tracker, *segments in batch:
                yield Row(q, ident, slots, proofs, tracker, dict(zip(SEGMENTS, segments, strict=True)))
            after = batch[-1][1]


async def _entitled(db: AsyncSession, ballot_id: int) -> dict[tuple[str, str], int]:
    entitled = func.sum(MemberTurnout.entitled)
    rows = (await db.execute(select(MemberTurnout.kind, MemberTurnout.value, entitled).where(
        MemberTurnout.ballot_id == ballot_id).group_by(MemberTurnout.kind, MemberTurnout.value))).all()
    return {(kind, value): int(n) for kind, value, n in rows}


def choose_slices(questions: Sequence[MemberQuestion], votes: dict[Slice, int], entitled: dict[tuple[str, str], int],
                  minimum: int) -> list[Slice]:
    """Each question's total, then each segment (kinds in order, values in code-point order) with at least
    `minimum` votes and `minimum` members entitled, unless it is withheld so that the withheld ones of its kind
    hold at least `minimum` votes together (complement_withheld). No other sum is ever decrypted."""
    chosen: list[Slice] = []
    for question in questions:
        chosen.append(Slice(question.id))  # type: ignore[arg-type]
        for kind in SEGMENTS:
            counts = {s.segment[1]: n for s, n in votes.items()  # type: ignore[index]
                      if s.question == question.id and s.segment and s.segment[0] == kind}
            small = [value for value, n in counts.items() if n < minimum or entitled.get((kind, value), 0) < minimum]
            held = complement_withheld(counts, small, minimum) | set(small)
            chosen += [Slice(question.id, (kind, value)) for value in sorted(counts)  # type: ignore[arg-type]
                       if value not in held]
    return chosen


@dataclass(frozen=True)
class SealedClose:
    contents_sha256: str
    count: int
    tally_sha256: str
    slices: int


async def close_sealed(db: AsyncSession, ballot: MemberBallot) -> SealedClose | None:
    """At close: the contents hash, the sums of every slice, which are decrypted, and (server mode) the decryption."""
    assert ballot.id is not None
    sealing = await db.get(MemberBallotSealing, ballot.id)
    if sealing is None:
        return None
    questions = await _questions(db, ballot.id)
    digest, count, sums = hashlib.sha256(), 0, SliceSums(SEGMENTS)
    async for row in sealed_rows(db, questions):
        digest.update(row.line())
        count += 1
        sums.add_slots(row.question_id, [row.segments[k] for k in SEGMENTS], json.loads(row.slots), "slots")
    tallies = sums.tallies()
    chosen = choose_slices(questions, {s: n for s, (n, _) in tallies.items()}, await _entitled(db, ballot.id),
                           ballot.min_segment)
    entries = tally_entries(tallies, chosen, {q.id: len(option_keys(q)) for q in questions})  # type: ignore[misc]
    sealing.tally = canonical_json(entries).decode()
    if sealing.mode == SealingMode.SERVER and sealing.wrapped_key:
        try:
            key = server_key.unwrap(sealing.wrapped_key, ballot_label(ballot.id))
        except SealingError as exc:
            raise RuleViolation(_("The ballot cannot be decrypted: %(problem)s") % {"problem": exc}, 500) from None
        labels = {q.id: question_label(ballot.id, q.id) for q in questions}  # type: ignore[arg-type]
        document = partial_document(key, ballot_label(ballot.id), labels, entries)  # type: ignore[arg-type]
        db.add(MemberDecryption(ballot_id=ballot.id, public_key=document["public_key"],
                                document=canonical_json(document).decode()))
        await db.flush()
        await _store_totals(db, sealing, questions)
    return SealedClose(digest.hexdigest(), count, entries_hash(entries), len(entries))


async def _decryptions(db: AsyncSession, ballot_id: int) -> dict[str, Any]:
    return {d.public_key: json.loads(d.document) for d in (await db.execute(
        select(MemberDecryption).where(MemberDecryption.ballot_id == ballot_id)
        .order_by(MemberDecryption.public_key))).scalars()}


async def _store_totals(db: AsyncSession, sealing: MemberBallotSealing, questions: Sequence[MemberQuestion]) -> bool:
    """Combine every trustee's checked shares into the slices' totals; False while a trustee has not decrypted."""
    entries = json.loads(sealing.tally or "[]")
    stored = await _decryptions(db, sealing.ballot_id)
    labels = {q.id: question_label(sealing.ballot_id, q.id) for q in questions}  # type: ignore[arg-type]
    shares = []
    for i, trustee in enumerate(json.loads(sealing.trustees), start=1):
        document = stored.get(trustee["public_key"])
        if document is None:
            return False
        try:
            shares.append(read_sliced_partials(document, ballot_label(sealing.ballot_id), labels, entries,  # type: ignore[arg-type]
                                               Point.from_hex(trustee["public_key"])))
        except SealingError as exc:
            raise RuleViolation(_("Trustee %(number)s's %(what)s does not check: %(problem)s.")
                                % {"number": i, "what": _("partial decryption"), "problem": exc}, 409) from None
    try:
        totals = combine_slices(entries, shares)
    except SealingError as exc:
        raise RuleViolation(_("The tally does not decrypt: %(problem)s.") % {"problem": exc}, 500) from None
    sealing.totals = canonical_json(totals).decode()
    return True


async def receive_member_decryption(db: AsyncSession, ballot: MemberBallot, document: Any,
                                    by: int | None = None) -> None:
    """A trustee's partial decryption of a closed member ballot's sliced tally, checked before it is stored."""
    assert ballot.id is not None
    sealing = await db.get(MemberBallotSealing, ballot.id)
    if sealing is None or sealing.tally is None or ballot.state != MemberBallotState.CLOSED:
        raise RuleViolation(_("Only a closed sealed member ballot takes trustees' decryptions."), 409)
    questions = await _questions(db, ballot.id)
    public = document.get("public_key") if isinstance(document, dict) else None
    if public not in [t["public_key"] for t in json.loads(sealing.trustees)]:
        raise RuleViolation(_("This partial decryption was not made with one of the ballot's trustee keys."))
    labels = {q.id: question_label(ballot.id, q.id) for q in questions}  # type: ignore[arg-type]
    try:
        read_sliced_partials(document, ballot_label(ballot.id), labels, json.loads(sealing.tally),  # type: ignore[arg-type]
                             Point.from_hex(public))
    except SealingError as exc:
        raise RuleViolation(_("The partial decryption is refused: %(problem)s.") % {"problem": exc}) from None
    existing = await db.get(MemberDecryption, (ballot.id, public))
    if existing is not None:
        await db.delete(existing)
        await db.flush()
    db.add(MemberDecryption(ballot_id=ballot.id, public_key=public, document=canonical_json(document).decode()))
    await db.flush()
    await record(db, scope=scope_of("member_ballot", ballot.id), actor=actor_of(by),
                 action="member_ballot.decryption",
                 payload={"public_key": public, "tally_sha256": document["tally_sha256"]})
    await _store_totals(db, sealing, questions)


@dataclass(frozen=True)
class Counted:
    """The decrypted figures: {slice: {option key: votes}}, only for the slices that were decrypted."""

    by_slice: dict[Slice, dict[str, int]]

    def counts(self, question_id: int, segment: str | None) -> dict[tuple[str, str], int]:
        """{(segment value, option key): votes} as results.py reads them; value '' for the question's total."""
        found: dict[tuple[str, str], int] = {}
        for piece, totals in self.by_slice.items():
            if piece.question != question_id or (piece.segment[0] if piece.segment else None) != segment:
                continue
            for key, votes in totals.items():
                found[(piece.segment[1] if piece.segment else "", key)] = votes
        return found

    def decrypted(self, question_id: int, segment: str, value: str) -> bool:
        return Slice(question_id, (segment, value)) in self.by_slice


async def counted(db: AsyncSession, ballot: MemberBallot) -> Counted | None:
    """A closed sealed ballot's decrypted figures; None for a ballot that is not sealed (cast in the clear)."""
    assert ballot.id is not None
    sealing = await db.get(MemberBallotSealing, ballot.id)
    if sealing is None:
        return None
    questions = await _questions(db, ballot.id)
    if sealing.totals is None and (sealing.tally is None or not await _store_totals(db, sealing, questions)):
        waiting = len(json.loads(sealing.trustees)) - len(await _decryptions(db, ballot.id))
        raise RuleViolation(_("The sealed tally is waiting for %(count)s trustee(s) to send their partial "
                              "decryption.") % {"count": waiting}, 409)
    keys = {q.id: option_keys(q) for q in questions}
    entries = json.loads(sealing.tally or "[]")
    return Counted({Slice.from_dict(entry, "entry"): dict(zip(keys[entry["question"]], totals, strict=True))
                    for entry, totals in zip(entries, json.loads(sealing.totals or "[]"), strict=True)})


async def sealing_export(db: AsyncSession, ballot: MemberBallot) -> dict[str, Any] | None:
    """sealing.json of the export: the sealing facts and, once closed, the tally entries and every decryption."""
    assert ballot.id is not None
    sealing = await db.get(MemberBallotSealing, ballot.id)
    if sealing is None:
        return None
    closed = ballot.closed_at is not None
    return {**sealing_document(sealing, await _questions(db, ballot.id)),
            "tally": json.loads(sealing.tally) if closed and sealing.tally else None,
            "decryptions": list((await _decryptions(db, ballot.id)).values()) if closed else []}


async def tally_file(db: AsyncSession, ballot: MemberBallot) -> dict[str, Any]:
    """The sliced tally a trustee checks and decrypts with `unionvote trustee decrypt` (once voting has closed)."""
    assert ballot.id is not None
    sealing = await db.get(MemberBallotSealing, ballot.id)
    if sealing is None or sealing.tally is None or ballot.state != MemberBallotState.CLOSED:
        raise RuleViolation(_("A sealed tally is exported once a sealed member ballot has closed."), 409)
    questions = await _questions(db, ballot.id)
    votes: dict[int, list[dict[str, Any]]] = {q.id: [] for q in questions}  # type: ignore[misc]
    async for row in sealed_rows(db, questions):
        sealed = {"slots": json.loads(row.slots), **json.loads(row.proofs)}
        votes[row.question_id].append({"sealed": sealed, "segments": [row.segments[k] for k in SEGMENTS]})
    facts = sealing_document(sealing, questions)
    return {"format": SLICED_TALLY_FORMAT, "label": facts["label"], "trustees": facts["trustees"],
            "kinds": list(SEGMENTS), "minimum": ballot.min_segment,
            "questions": [{"question": q["question"], "label": q["label"], "rule": q["sum_rule"],
                           "votes": votes[q["question"]]} for q in facts["questions"]],
            "entries": json.loads(sealing.tally)}


async def member_ballot_step(db: AsyncSession, step: str, slug: str, given: list[Any]) -> dict[str, Any] | None:
    """`unionvote trustee seal|tally|submit --member-ballot SLUG`: the server's side of a trustee member ballot."""
    ballot = (await db.execute(select(MemberBallot).where(MemberBallot.slug == slug))).scalar_one_or_none()
    if ballot is None:
        raise RuleViolation(f"There is no member ballot called '{slug}'.", 404)
    if step == "seal":
        trustees = [TrusteePublic.from_dict(data, f"trustee {i + 1}") for i, data in enumerate(given)]
        await seal_member_ballot(db, ballot, mode=SealingMode.TRUSTEES, trustees=trustees)
        return None
    if step == "tally":
        return await tally_file(db, ballot)
    await receive_member_decryption(db, ballot, given[0])
    return None
