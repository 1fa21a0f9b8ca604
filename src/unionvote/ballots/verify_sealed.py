"""Checking a sealed member ballot's export: the sealing facts, every sealed answer's proofs, every slice's sum,
each decryption, and that no segment below the minimum was decrypted, nor a segment whose figures would let
the withheld ones of its kind be worked out (complementary suppression). Pure.

docs/audit-format.md, "Sealed member ballots", specifies every file and equation checked here.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unionvote.audit.chain import canonical_json
from unionvote.ballots.models import SEGMENTS
from unionvote.ballots.sealed import ballot_label, question_label
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.slices import (
    Slice,
    SliceSums,
    combine_slices,
    entries_hash,
    read_sliced_partials,
    tally_entries,
    uncovered_withheld,
)
from unionvote.sealing.trustees import TrusteePublic, checked_election_key
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed
from unionvote.voting.verify_board import check_board
from unionvote.voting.verify_files import first_difference

if TYPE_CHECKING:
    from unionvote.ballots.verify import MemberBallotCheck

SEALING_FIELDS = {"mode", "label", "election_key", "trustees", "questions", "tally", "decryptions"}
ROW_FIELDS = {"id", "proofs", "question", "segments", "slots", "tracker"}
ANSWER_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class SealedRecount:
    totals: dict[int, Counter[str]]  # each question's decrypted totals
    decrypted: dict[Slice, dict[str, int]]  # every decrypted slice's figures


def check_sealing(check: MemberBallotCheck) -> dict[str, Any]:
    """sealing.json against member_ballot.sealing, the trustees' proofs, the election key and each question's rule."""
    file = "sealing.json"
    facts = check.files.document(file)
    if set(facts) != SEALING_FIELDS:
        raise check.fail(file, f"the file has exactly the fields {', '.join(sorted(SEALING_FIELDS))}")
    if "member_ballot.sealing" not in check.events:
        raise check.fail(file, "the ballot is sealed but its chain has no member_ballot.sealing entry")
    recorded = check.events["member_ballot.sealing"][1]["payload"]
    for key in ("mode", "label", "election_key", "trustees", "questions"):
        if canonical_json(facts[key]) != canonical_json(recorded.get(key)):
            raise check.fail(file, f"{key} differs from {check.at('member_ballot.sealing')}", what=f"field {key}")
    if facts["label"] != ballot_label(check.ballot_id):
        raise check.fail(file, f"the label is not {ballot_label(check.ballot_id)!r}", what="field label")
    try:
        trustees = [TrusteePublic.from_dict(t, f"trustees[{i}]") for i, t in enumerate(facts["trustees"])]
        if checked_election_key(trustees, "trustees[{}]").hex() != facts["election_key"]:
            raise SealingError("election_key is not the sum of the trustees' public keys")
    except SealingError as exc:
        raise check.fail(file, str(exc), what="field trustees") from None
    ordered = sorted(check.doc.get("questions", []), key=lambda q: q["position"])
    expected = [{"question": q["id"], "label": question_label(check.ballot_id, q["id"]),
                 "sum_rule": SumRule.exactly(len(q["options"])).as_dict()} for q in ordered]
    if (where := first_difference(facts["questions"], expected)) is not None:
        raise check.fail(file, f"{where} is not what ballot.json's questions require (label "
                         "member_ballot:<id>:question:<q>, exactly one of the options)", what="field questions")
    return facts


def _questions(check: MemberBallotCheck, facts: dict[str, Any]) -> dict[int, tuple[int, str, SumRule, list[str]]]:
    """question id -> (position index, label, rule, option keys)."""
    options = {q["id"]: [k for k, _ in q["options"]] for q in check.doc.get("questions", [])}
    return {q["question"]: (i, q["label"], SumRule.from_dict(q["sum_rule"]), options[q["question"]])
            for i, q in enumerate(facts["questions"])}


def check_sealed_answers(check: MemberBallotCheck, facts: dict[str, Any], voters: int) -> SealedRecount:
    file = "sealed.jsonl"
    key = Point.from_hex(facts["election_key"])
    questions = _questions(check, facts)
    sums, digest = SliceSums(SEGMENTS), hashlib.sha256()
    previous: tuple[int, str] = (-1, "")
    per_question: Counter[int] = Counter()
    trackers: dict[str, int] = {}  # each tracker and its line
    for line, row in check.files.rows(file):
        if set(row) != ROW_FIELDS:
            raise check.fail(file, f"a row has exactly the fields {', '.join(sorted(ROW_FIELDS))}", line)
        question = row["question"]
        if question not in questions:
            raise check.fail(file, f"question {question!r} is not one of the ballot's", line, "field question")
        if not isinstance(row["id"], str) or not ANSWER_ID.fullmatch(row["id"]):
            raise check.fail(file, "the id is not 32 lowercase hex characters", line, "field id")
        place = (questions[question][0], row["id"])
        if place <= previous:
            raise check.fail(file, "rows are not in question order and then id order, or an id repeats", line,
                             "field id")
        previous = place
        segments = row["segments"]
        if not isinstance(segments, dict) or set(segments) != set(SEGMENTS) or not all(
                isinstance(v, str) for v in segments.values()):
            raise check.fail(file, f"segments is an object of the strings {', '.join(SEGMENTS)}", line,
                             "field segments")
        _, label, rule, _ = questions[question]
        try:
            proofs = row["proofs"]
            if not isinstance(proofs, dict) or set(proofs) != {"slot_proofs", "sum_proof"}:
                raise SealingError("proofs is not an object with exactly slot_proofs and sum_proof")
            vote = SealedVote.from_dict({"slots": row["slots"], **proofs}, rule, "sealed")
            check_sealed(key, label, vote, rule)
        except SealingError as exc:
            raise check.fail(file, f"the sealed answer does not verify: {exc}", line,
                             "field slots/proofs") from None
        unhashed = {k: v for k, v in row.items() if k != "tracker"}
        tracker = base64.b32encode(hashlib.sha256(canonical_json(unhashed)).digest()).decode()[:12]
        if tracker != row["tracker"]:
            raise check.fail(file, f"the tracker {row['tracker']!r} is not the hash of this row: its answer, id or "
                             "segments were changed (or the tracker)", line, "field tracker")
        digest.update(canonical_json(row) + b"\n")
        sums.add(question, [segments[k] for k in SEGMENTS], vote.slots)
        per_question[question] += 1
        trackers[row["tracker"]] = line
    closed = check.at("member_ballot.closed")
    count = sum(per_question.values())
    if count != check.recorded("member_ballot.closed", "contents"):
        raise check.fail(file, f"{count} rows, but {closed} records "
                         f"{check.recorded('member_ballot.closed', 'contents')}")
    if digest.hexdigest() != check.recorded("member_ballot.closed", "contents_sha256"):
        raise check.fail(file, f"the sealed answers hash to {digest.hexdigest()}, not to the contents_sha256 in "
                         f"{closed}: a row was changed, added or removed")
    for question in questions:
        if per_question[question] != voters:
            raise check.fail(file, f"question {question} has {per_question[question]} sealed answers but {voters} "
                             "members voted")
    check.check_tracker_list(list(trackers))
    check_board(check, trackers, "member_ballot")
    check.notes.append(f"{file}: {count} sealed answers, every proof and tracker checked, hash matches "
                       "member_ballot.closed")
    return _check_tally(check, facts, sums, questions)


def _check_tally(check: MemberBallotCheck, facts: dict[str, Any], sums: SliceSums,
                 questions: dict[int, tuple[int, str, SumRule, list[str]]]) -> SealedRecount:
    file, minimum = "sealing.json", check.doc.get("min_segment")
    tallies = sums.tallies()
    stated = facts["tally"]
    if not isinstance(stated, list):
        raise check.fail(file, "the ballot has closed, so tally lists the slices to decrypt", what="field tally")
    pieces = []
    for i, entry in enumerate(stated):
        what = f"field tally[{i}]"
        try:
            piece = Slice.from_dict(entry, f"tally[{i}]")
        except SealingError as exc:
            raise check.fail(file, str(exc), what=what) from None
        if piece.question not in questions:
            raise check.fail(file, f"question {piece.question} is not one of the ballot's", what=what)
        votes = tallies[piece][0] if piece in tallies else 0
        if piece.segment is not None and votes < minimum:  # type: ignore[operator]
            raise check.fail(file, f"{piece.words()} holds {votes} sealed answers, fewer than the minimum of "
                             f"{minimum}, yet it is listed for decryption: a segment that small is never decrypted",
                             what=what)
        [expected] = tally_entries(tallies, [piece], {piece.question: len(questions[piece.question][3])})
        if (where := first_difference(entry, expected)) is not None:
            raise check.fail(file, f"{where} is not the sum recomputed from sealed.jsonl", what=f"{what}.{where}")
        pieces.append(piece)
    if len(set(pieces)) != len(pieces) or [p for p in pieces if p.segment is None] != [
            Slice(q) for q in sorted(questions, key=lambda q: questions[q][0])]:
        raise check.fail(file, "the tally lists each question's total once, in order, and no slice twice",
                         what="field tally")
    if (why := uncovered_withheld({p: n for p, (n, _) in tallies.items()}, pieces, minimum)) is not None:  # type: ignore[arg-type]
        raise check.fail(file, why, what="field tally")
    if entries_hash(stated) != check.recorded("member_ballot.closed", "tally_sha256"):
        raise check.fail(file, f"the tally hashes to {entries_hash(stated)}, not to the tally_sha256 in "
                         f"{check.at('member_ballot.closed')}", what="field tally")
    labels = {q: label for q, (_, label, _, _) in questions.items()}
    documents = {d.get("public_key"): (i, d) for i, d in enumerate(facts["decryptions"]) if isinstance(d, dict)}
    shares = []
    for trustee in facts["trustees"]:
        if trustee["public_key"] not in documents:
            if "member_ballot.declared" in check.events:
                raise check.fail(file, "a trustee's partial decryption is missing", what="field decryptions")
            check.notes.append(f"{file}: {len(stated)} slices recomputed; waiting for the trustees' decryptions")
            return SealedRecount({}, {})
        i, document = documents[trustee["public_key"]]
        try:
            shares.append(read_sliced_partials(document, facts["label"], labels, stated,
                                               Point.from_hex(trustee["public_key"])))
        except SealingError as exc:
            raise check.fail(file, str(exc), what=f"field decryptions[{i}]") from None
    try:
        totals = combine_slices(stated, shares)
    except SealingError as exc:
        raise check.fail(file, f"the tally does not decrypt: {exc}", what="field decryptions") from None
    decrypted: dict[Slice, dict[str, int]] = {}
    for i, (piece, row) in enumerate(zip(pieces, totals, strict=True)):
        if sum(row) != stated[i]["votes"]:
            raise check.fail(file, f"{piece.words()} decrypts to {sum(row)} answers for {stated[i]['votes']} votes",
                             what=f"field decryptions (tally[{i}])")
        decrypted[piece] = dict(zip(questions[piece.question][3], row, strict=True))
    check.notes.append(f"{file}: {len(stated)} slices recomputed and decrypted by {len(shares)} trustee(s), every "
                       f"proof checked; no segment below {minimum} answers decrypted, and the "
                       f"withheld segments of each kind hold at least {minimum} answers together (or all of the kind "
                       "are withheld)")
    return SealedRecount({q: Counter(decrypted[Slice(q)]) for q in questions}, decrypted)


def check_segments(check: MemberBallotCheck, result: dict[str, Any], recount: SealedRecount) -> None:
    """Each segment row's figures are its decrypted slice's; a withheld row's slice was never decrypted."""
    for index, question in enumerate(result.get("questions", [])):
        for kind in SEGMENTS:
            for k, row in enumerate(question.get("segments", {}).get(kind, [])):
                piece = Slice(question.get("id"), (kind, row.get("name")))
                what = f"field questions[{index}].segments.{kind}[{k}]"
                if row.get("suppressed") and piece in recount.decrypted:
                    raise check.fail("result.json", f"{kind} {row.get('name')!r} is withheld, yet its sum was "
                                     "decrypted (sealing.json tally)", what=what)
                if "totals" in row and row["totals"] != recount.decrypted.get(piece):
                    raise check.fail("result.json", f"{kind} {row.get('name')!r}: the decrypted sum gives "
                                     f"{recount.decrypted.get(piece)}, the declared result {row['totals']}",
                                     what=f"{what}.totals")
