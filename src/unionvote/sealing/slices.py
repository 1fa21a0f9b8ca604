"""A sealed tally cut into slices: each question's total and each segment's, summed homomorphically.

Each vote carries its segments (who-voted facts, such as its voter's employer). A slice is one
question's votes together (`segment` None) or those of one segment value (`segment` = (kind,
value)). Only the slices listed in the tally are decrypted, and a segment slice must hold at
least `minimum` votes: the trustee's `decrypt_sliced` and the verifier both refuse a smaller one,
so a small group's figures are never computed, whatever a page does. Within each kind the slices
left out must together hold at least `minimum` votes (complementary suppression,
`complement_withheld`), or the total minus the listed ones would tell them; both refuse that too. docs/audit-format.md,
"Sealed member ballots", specifies every byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from unionvote.sealing.group import IDENTITY, Point, SealingError, point_sum
from unionvote.sealing.proofs import Ciphertext, ciphertext_sum
from unionvote.sealing.tallyfile import canonical
from unionvote.sealing.trustees import PartialDecryption, TrusteeKey, TrusteePublic, decrypt_total, election_key
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed

SLICED_TALLY_FORMAT = "unionvote-sliced-tally/1"
SLICED_PARTIAL_FORMAT = "unionvote-sliced-partial-decryption/1"
BATCH = 4096  # points held per slot before they are added up (bounds memory at 500,000 votes)


@dataclass(frozen=True, order=True)
class Slice:
    question: int
    segment: tuple[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "segment": list(self.segment) if self.segment else None}

    @classmethod
    def from_dict(cls, data: Any, what: str) -> Slice:
        if not isinstance(data, dict) or not {"question", "segment"} <= set(data):
            raise SealingError(f"{what} does not name a question and a segment.")
        segment = data["segment"]
        if segment is not None and (not isinstance(segment, list) or len(segment) != 2
                                    or not all(isinstance(s, str) for s in segment)):
            raise SealingError(f"{what}.segment is null or [kind, value].")
        if not isinstance(data["question"], int):
            raise SealingError(f"{what}.question is not a whole number.")
        return cls(data["question"], tuple(segment) if segment else None)  # type: ignore[arg-type]

    def words(self) -> str:
        return f"question {self.question}" + (f", {self.segment[0]} {self.segment[1]!r}" if self.segment else "")


@dataclass
class _Group:
    """The running sum of the votes of one question cast by voters with one combination of segments."""

    slots: int
    count: int = 0
    alphas: list[list[Point]] = field(default_factory=list)
    betas: list[list[Point]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.alphas = [[] for _ in range(self.slots)]
        self.betas = [[] for _ in range(self.slots)]

    def add(self, cts: Sequence[Ciphertext]) -> None:
        if len(cts) != self.slots:
            raise SealingError(f"a vote has {len(cts)} slots where the question has {self.slots}")
        self.count += 1
        for j, ct in enumerate(cts):
            self.alphas[j].append(ct.alpha)
            self.betas[j].append(ct.beta)
        if len(self.alphas[0]) >= BATCH:
            self.reduce()

    def reduce(self) -> None:
        for j in range(self.slots):
            self.alphas[j] = [point_sum(self.alphas[j])]
            self.betas[j] = [point_sum(self.betas[j])]

    def sums(self) -> list[Ciphertext]:
        self.reduce()
        return [Ciphertext(a[0], b[0]) for a, b in zip(self.alphas, self.betas, strict=True)]


class SliceSums:
    """Adds votes as they are read (each point decoded once), grouped by question and segments; then every slice."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = tuple(kinds)
        self._groups: dict[tuple[int, tuple[str, ...]], _Group] = {}

    def add(self, question: int, segments: Sequence[str], cts: Sequence[Ciphertext]) -> None:
        key = (question, tuple(segments))
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(len(cts))
        group.add(cts)

    def add_slots(self, question: int, segments: Sequence[str], slots: Sequence[Any], what: str) -> None:
        """A vote's slots as stored and exported: [{"alpha": hex, "beta": hex}, ...]."""
        if not isinstance(slots, list):
            raise SealingError(f"{what} is not a list of ciphertexts.")
        self.add(question, segments, [Ciphertext.from_dict(c, f"{what}[{j}]") for j, c in enumerate(slots)])

    def tallies(self) -> dict[Slice, tuple[int, list[Ciphertext]]]:
        """(votes, tally per slot) of every slice: each question's total and every segment value of every kind."""
        parts: dict[Slice, list[tuple[int, list[Ciphertext]]]] = {}
        for (question, segments), group in self._groups.items():
            summed = (group.count, group.sums())
            parts.setdefault(Slice(question), []).append(summed)
            for kind, value in zip(self.kinds, segments, strict=True):
                parts.setdefault(Slice(question, (kind, value)), []).append(summed)
        return {piece: (sum(n for n, _ in items),
                        [ciphertext_sum([cts[j] for _, cts in items]) for j in range(len(items[0][1]))])
                for piece, items in parts.items()}


def complement_withheld(votes: dict[str, int], withheld: Iterable[str], minimum: int) -> set[str]:
    """The segment values of one kind to withhold: `withheld` and, when those together hold fewer than `minimum`
    votes, the smallest others (fewest votes, then value in code-point order) until they hold at least `minimum`
    or none is left. Otherwise the question's total minus the published segments would tell the withheld ones'
    figures. `votes` holds the values that have votes; a value without votes hides nothing."""
    held = {value for value in withheld if votes.get(value, 0) > 0}
    rest = sorted((n, value) for value, n in votes.items() if n > 0 and value not in held)
    while held and rest and sum(votes[value] for value in held) < minimum:
        held.add(rest.pop(0)[1])
    return held


def uncovered_withheld(votes: dict[Slice, int], listed: Iterable[Slice], minimum: int) -> str | None:
    """Why the listed slices let a withheld group's figures be worked out (None when they do not): for each
    question and kind, the values with votes that are not listed must hold at least `minimum` votes together,
    unless none of that kind is listed or all are."""
    chosen = set(listed)
    groups: dict[tuple[int, str], list[Slice]] = {}
    for piece in votes:
        if piece.segment is not None and votes[piece] > 0:
            groups.setdefault((piece.question, piece.segment[0]), []).append(piece)
    for (question, kind), pieces in sorted(groups.items()):
        held = [p for p in pieces if p not in chosen]
        if held and len(held) < len(pieces) and sum(votes[p] for p in held) < minimum:
            names = ", ".join(sorted(repr(p.segment[1]) for p in held))  # type: ignore[index]
            return (f"question {question}: the {kind} values left out ({names}) "
                    f"hold {sum(votes[p] for p in held)} votes together, fewer than the minimum {minimum}, yet other "
                    f"{kind} values are listed: the question's total minus those would tell the left-out figures")
    return None


def tally_entries(tallies: dict[Slice, tuple[int, list[Ciphertext]]], chosen: Iterable[Slice],
                  slots: dict[int, int]) -> list[dict[str, Any]]:
    """The tally document's entries, in the order given: {question, segment, votes, tally}. A slice without
    votes (a question nobody answered) has 0 votes and identity points, one per slot (`slots` by question)."""
    empty = (0, [Ciphertext(IDENTITY, IDENTITY)])
    return [{**piece.as_dict(), "votes": tallies.get(piece, empty)[0],
             "tally": [c.as_dict() for c in (tallies[piece][1] if piece in tallies
                                             else empty[1] * slots[piece.question])]}
            for piece in chosen]


def entries_hash(entries: Sequence[dict[str, Any]]) -> str:
    """SHA-256 (hex) of the canonical JSON of the list of entries: what the chain records at close."""
    return hashlib.sha256(canonical(list(entries))).hexdigest()


def _entry_tally(entry: dict[str, Any], what: str) -> list[Ciphertext]:
    return [Ciphertext.from_dict(c, f"{what}.tally[{j}]", identity_ok=True) for j, c in enumerate(entry["tally"])]


def partial_document(key: TrusteeKey, label: str, labels: dict[int, str], entries: Sequence[dict[str, Any]]
                     ) -> dict[str, Any]:
    """A trustee's shares of every slot of every listed slice, each with its proof under the question's label."""
    partials = [[key.partial_decrypt(ct, labels[entry["question"]]).as_dict()
                 for ct in _entry_tally(entry, f"entries[{i}]")] for i, entry in enumerate(entries)]
    return {"format": SLICED_PARTIAL_FORMAT, "label": label, "public_key": key.public.hex(),
            "tally_sha256": entries_hash(entries), "partials": partials}


def read_sliced_partials(data: Any, label: str, labels: dict[int, str], entries: Sequence[dict[str, Any]],
                         trustee: Point) -> list[list[PartialDecryption]]:
    """Check a trustee's document against the tally entries; raises SealingError naming the slice and slot."""
    if not isinstance(data, dict) or data.get("format") != SLICED_PARTIAL_FORMAT:
        raise SealingError(f"This is not a partial decryption of a sliced tally ({SLICED_PARTIAL_FORMAT}).")
    if data.get("label") != label:
        raise SealingError(f"This partial decryption is for {data.get('label')!r}, not {label!r}.")
    if data.get("public_key") != trustee.hex():
        raise SealingError("This partial decryption was made with another trustee's key.")
    if data.get("tally_sha256") != entries_hash(entries):
        raise SealingError("This partial decryption is of another tally (the votes or slices differ).")
    items = data.get("partials")
    if not isinstance(items, list) or len(items) != len(entries):
        raise SealingError(f"A partial decryption needs one list of shares per slice ({len(entries)}).")
    checked = []
    for i, (shares, entry) in enumerate(zip(items, entries, strict=True)):
        tally = _entry_tally(entry, f"entries[{i}]")
        if not isinstance(shares, list) or len(shares) != len(tally):
            raise SealingError(f"partials[{i}] needs one share per slot ({len(tally)}).")
        row = []
        for j, (item, ct) in enumerate(zip(shares, tally, strict=True)):
            partial = PartialDecryption.from_dict(item, f"partials[{i}][{j}]")
            partial.check(trustee, ct, labels[entry["question"]], f"partials[{i}][{j}]")
            row.append(partial)
        checked.append(row)
    return checked


def combine_slices(entries: Sequence[dict[str, Any]], shares_by_trustee: Sequence[Sequence[Sequence[PartialDecryption]]]
                   ) -> list[list[int]]:
    """Each listed slice's decrypted total per slot. The bound of a question's slices is its total's votes,
    so one baby-step table serves them all."""
    bounds: dict[int, int] = {}
    for entry in entries:
        bounds[entry["question"]] = max(bounds.get(entry["question"], 0), entry["votes"])
    totals = []
    for i, entry in enumerate(entries):
        tally = _entry_tally(entry, f"entries[{i}]")
        row = [decrypt_total(ct, [shares[i][j].share for shares in shares_by_trustee], bounds[entry["question"]])
               for j, ct in enumerate(tally)]
        if any(total > entry["votes"] for total in row):
            raise SealingError(f"entries[{i}] decrypts to more than its {entry['votes']} votes")
        totals.append(row)
    return totals


@dataclass(frozen=True)
class QuestionVotes:
    question: int
    label: str
    rule: SumRule
    votes: tuple[tuple[SealedVote, tuple[str, ...]], ...]  # each vote with its segments, in `kinds` order


@dataclass(frozen=True)
class SlicedTally:
    """The file a trustee decrypts: every sealed vote with its segments, and the slices to decrypt."""

    label: str
    trustees: tuple[TrusteePublic, ...]
    kinds: tuple[str, ...]
    minimum: int
    questions: tuple[QuestionVotes, ...]
    entries: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"format": SLICED_TALLY_FORMAT, "label": self.label, "trustees": [t.as_dict() for t in self.trustees],
                "kinds": list(self.kinds), "minimum": self.minimum,
                "questions": [{"question": q.question, "label": q.label, "rule": q.rule.as_dict(),
                               "votes": [{"sealed": v.as_dict(), "segments": list(s)} for v, s in q.votes]}
                              for q in self.questions],
                "entries": list(self.entries)}

    @classmethod
    def from_dict(cls, data: Any) -> SlicedTally:
        if not isinstance(data, dict) or data.get("format") != SLICED_TALLY_FORMAT:
            raise SealingError(f"This is not a sliced tally file ({SLICED_TALLY_FORMAT}).")
        try:
            questions = []
            for i, q in enumerate(data["questions"]):
                rule = SumRule.from_dict(q["rule"])
                votes = tuple((SealedVote.from_dict(v["sealed"], rule, f"questions[{i}].votes[{k}].sealed"),
                               tuple(str(s) for s in v["segments"])) for k, v in enumerate(q["votes"]))
                questions.append(QuestionVotes(int(q["question"]), str(q["label"]), rule, votes))
            return cls(str(data["label"]), tuple(TrusteePublic.from_dict(t, f"trustees[{i}]")
                                                 for i, t in enumerate(data["trustees"])),
                       tuple(str(k) for k in data["kinds"]), int(data["minimum"]), tuple(questions),
                       tuple(data["entries"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SealingError):
                raise
            raise SealingError(f"The sliced tally file is missing or misshapes a field ({exc!r}).") from None

    def check(self) -> list[dict[str, Any]]:
        """Every proof, every slice recomputed from the votes, and no segment slice below the minimum."""
        for i, trustee in enumerate(self.trustees):
            trustee.check(f"trustees[{i}]")
        key = election_key(self.trustees)
        sums = SliceSums(self.kinds)
        for q in self.questions:
            for k, (vote, segments) in enumerate(q.votes):
                try:
                    check_sealed(key, q.label, vote, q.rule)
                except SealingError as exc:
                    raise SealingError(f"question {q.question}, votes[{k}]: {exc}") from None
                sums.add(q.question, segments, vote.slots)
        tallies = sums.tallies()
        pieces = [Slice.from_dict(e, f"entries[{i}]") for i, e in enumerate(self.entries)]
        for piece in pieces:
            votes = tallies[piece][0] if piece in tallies else 0
            if piece.segment is not None and votes < self.minimum:
                raise SealingError(f"{piece.words()} holds {votes} votes, fewer than the minimum "
                                   f"{self.minimum}: a segment that small is never decrypted")
        if (why := uncovered_withheld({p: n for p, (n, _) in tallies.items()}, pieces, self.minimum)) is not None:
            raise SealingError(why)
        recomputed = tally_entries(tallies, pieces, {q.question: len(q.rule.coefficients) for q in self.questions})
        if canonical(recomputed) != canonical(list(self.entries)):
            raise SealingError("The stated slices are not the sums of the votes.")
        return recomputed


def decrypt_sliced(key: TrusteeKey, data: Any) -> dict[str, Any]:
    """`unionvote trustee decrypt` on a sliced tally: check everything, then the trustee's shares of every slice."""
    sliced = SlicedTally.from_dict(data)
    if key.public not in [t.public for t in sliced.trustees]:
        raise SealingError("Your key is not one of this ballot's trustees' keys.")
    entries = sliced.check()
    return partial_document(key, sliced.label, {q.question: q.label for q in sliced.questions}, entries)
