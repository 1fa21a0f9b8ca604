"""A sliced tally: each segment's sum decrypts to its own figures, and a small segment is never decrypted."""

from __future__ import annotations

import pytest

from unionvote.sealing.group import SealingError
from unionvote.sealing.slices import (
    Slice,
    SliceSums,
    combine_slices,
    complement_withheld,
    decrypt_sliced,
    partial_document,
    read_sliced_partials,
    tally_entries,
    uncovered_withheld,
)
from unionvote.sealing.trustees import TrusteeKey
from unionvote.sealing.votes import SumRule, seal

LABEL = "member_ballot:1:question:7"
RULE = SumRule.exactly(2)
# (employer, workplace, choice): Acme 3 yes 1 no; Tiny 1 no.
VOTES = [("Acme", "Depot", 0), ("Acme", "Depot", 0), ("Acme", "Yard", 0), ("Acme", "Yard", 1), ("Tiny", "Yard", 1)]


def _sealed(key: TrusteeKey) -> list[tuple[tuple[str, str], object]]:
    return [((employer, workplace), seal(key.public, LABEL, [int(choice == 0), int(choice == 1)], RULE))
            for employer, workplace, choice in VOTES]


def test_each_slice_decrypts_to_its_own_segment_figures() -> None:
    key = TrusteeKey.generate()
    sums = SliceSums(("employer", "workplace"))
    for segments, vote in _sealed(key):
        sums.add(7, segments, vote.slots)  # type: ignore[attr-defined]
    tallies = sums.tallies()
    chosen = [Slice(7), Slice(7, ("employer", "Acme")), Slice(7, ("workplace", "Yard")), Slice(8)]
    entries = tally_entries(tallies, chosen, {7: 2, 8: 2})
    labels = {7: LABEL, 8: "member_ballot:1:question:8"}
    document = partial_document(key, "member_ballot:1", labels, entries)
    shares = read_sliced_partials(document, "member_ballot:1", labels, entries, key.public)
    assert combine_slices(entries, [shares]) == [[3, 2], [3, 1], [1, 2], [0, 0]]  # question 8: nobody answered
    assert [e["votes"] for e in entries] == [5, 4, 3, 0]


def test_a_share_moved_to_another_slot_is_refused() -> None:
    key = TrusteeKey.generate()
    sums = SliceSums(("employer", "workplace"))
    for segments, vote in _sealed(key):
        sums.add(7, segments, vote.slots)  # type: ignore[attr-defined]
    entries = tally_entries(sums.tallies(), [Slice(7)], {7: 2})
    document = partial_document(key, "member_ballot:1", {7: LABEL}, entries)
    document["partials"][0].reverse()
    with pytest.raises(SealingError, match=r"partials\[0\]\[0\]: the proof of correct decryption"):
        read_sliced_partials(document, "member_ballot:1", {7: LABEL}, entries, key.public)


def test_a_trustee_refuses_to_decrypt_a_segment_below_the_minimum() -> None:
    key = TrusteeKey.generate()
    votes = _sealed(key)
    sums = SliceSums(("employer", "workplace"))
    for segments, vote in votes:
        sums.add(7, segments, vote.slots)  # type: ignore[attr-defined]
    tallies = sums.tallies()
    data = {"format": "unionvote-sliced-tally/1", "label": "member_ballot:1", "trustees": [key.published().as_dict()],
            "kinds": ["employer", "workplace"], "minimum": 2,
            "questions": [{"question": 7, "label": LABEL, "rule": RULE.as_dict(),
                           "votes": [{"sealed": v.as_dict(), "segments": list(s)} for s, v in votes]}],  # type: ignore[attr-defined]
            "entries": tally_entries(tallies, [Slice(7), Slice(7, ("workplace", "Depot")),
                                               Slice(7, ("workplace", "Yard"))], {7: 2})}
    assert decrypt_sliced(key, data)["public_key"] == key.public.hex()
    data["entries"] = tally_entries(tallies, [Slice(7), Slice(7, ("employer", "Acme"))], {7: 2})
    with pytest.raises(SealingError, match=r"employer values left out \('Tiny'\) hold 1 votes together"):
        decrypt_sliced(key, data)  # Tiny's one vote would be the total minus Acme's
    data["entries"] = tally_entries(tallies, [Slice(7), Slice(7, ("employer", "Tiny"))], {7: 2})
    with pytest.raises(SealingError, match="employer 'Tiny' holds 1 votes, fewer than the minimum 2"):
        decrypt_sliced(key, data)
    data["entries"] = tally_entries(tallies, [Slice(7)], {7: 2})
    data["entries"][0]["votes"] = 4
    with pytest.raises(SealingError, match="not the sums of the votes"):
        decrypt_sliced(key, data)


def test_one_withheld_segment_takes_the_smallest_other_with_it() -> None:
    votes = {"Acme": 12, "Beta": 30, "Solo": 1}
    assert complement_withheld(votes, ["Solo"], 10) == {"Solo", "Acme"}  # Solo alone would be total - the rest
    assert complement_withheld({"A": 3, "B": 3, "C": 50, "D": 3}, ["A"], 10) == {"A", "B", "D", "C"}
    assert complement_withheld({"A": 4, "B": 12, "C": 12}, ["A"], 10) == {"A", "B"}  # ties: code-point order


def test_nothing_more_is_withheld_when_the_withheld_already_reach_the_minimum() -> None:
    assert complement_withheld({"A": 6, "B": 5, "C": 40}, ["A", "B"], 10) == {"A", "B"}
    assert complement_withheld({"A": 40, "B": 50}, [], 10) == set()


def test_when_every_segment_is_tiny_only_the_total_is_decrypted() -> None:
    votes = {"A": 2, "B": 3, "C": 4}
    assert complement_withheld(votes, ["A", "B", "C"], 10) == {"A", "B", "C"}
    counts = {Slice(7): 9, **{Slice(7, ("employer", v)): n for v, n in votes.items()}}
    assert uncovered_withheld(counts, [Slice(7)], 10) is None  # all withheld: only the total
    counts[Slice(7, ("employer", "D"))] = 30
    listed = [Slice(7), Slice(7, ("employer", "D"))]  # A, B and C (9 votes) would be the total minus D
    assert "hold 9 votes together, fewer than the minimum 10" in (uncovered_withheld(counts, listed, 10) or "")
