"""Sealed votes: one ciphertext per slot, a 0/1 proof per slot, a proof the total is allowed; the weighted tally.

A slot is an option (1 if chosen). The method's rule is a linear statement over the slots:
sum(coefficient_j · m_j) lies in lo..hi. "Exactly one of N" is coefficients 1, range 1..1.
"Up to K with blank counted" adds a blank slot with coefficient K and range 1..K, which forces
the blank slot to 1 exactly when no option is chosen.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any

from unionvote.sealing.group import ORDER, Point, SealingError, point_sum, random_scalar, u32
from unionvote.sealing.proofs import Ciphertext, Proof, ciphertext_sum, prove_range, verify_range

# Precomputed m·G for m = 0, 1 expressed as a three-point sum, so both choices cost the same addition.
_ONE = Point.base_times(1)
_TWO = Point.base_times(2)
_MINUS_ONE = -_ONE
_PLUS = {0: _ONE, 1: _TWO}


@dataclass(frozen=True)
class SumRule:
    """sum(coefficients[j] · m_j) must lie in lo..hi."""

    coefficients: tuple[int, ...]
    lo: int
    hi: int

    @classmethod
    def exactly(cls, slots: int, k: int = 1) -> SumRule:
        return cls((1,) * slots, k, k)

    @classmethod
    def up_to(cls, options: int, k: int) -> SumRule:
        """Options then one blank slot: either 1..k options and blank 0, or no option and blank 1."""
        return cls((1,) * options + (k,), 1, k)

    def as_dict(self) -> dict[str, Any]:
        return {"coefficients": list(self.coefficients), "lo": self.lo, "hi": self.hi}

    @classmethod
    def from_dict(cls, data: Any) -> SumRule:
        return cls(tuple(int(c) for c in data["coefficients"]), int(data["lo"]), int(data["hi"]))


@dataclass(frozen=True)
class SealedVote:
    slots: tuple[Ciphertext, ...]
    slot_proofs: tuple[Proof, ...]
    sum_proof: Proof

    def as_dict(self) -> dict[str, Any]:
        return {"slots": [c.as_dict() for c in self.slots], "slot_proofs": [p.as_dict() for p in self.slot_proofs],
                "sum_proof": self.sum_proof.as_dict()}

    @classmethod
    def from_dict(cls, data: Any, rule: SumRule, what: str = "sealed vote") -> SealedVote:
        n = len(rule.coefficients)
        if not isinstance(data, dict) or set(data) != {"slots", "slot_proofs", "sum_proof"}:
            raise SealingError(f"{what} is not an object with exactly slots, slot_proofs and sum_proof.")
        if not isinstance(data["slots"], list) or len(data["slots"]) != n:
            raise SealingError(f"{what}.slots must hold {n} ciphertexts.")
        if not isinstance(data["slot_proofs"], list) or len(data["slot_proofs"]) != n:
            raise SealingError(f"{what}.slot_proofs must hold {n} proofs.")
        return cls(tuple(Ciphertext.from_dict(c, f"{what}.slots[{j}]") for j, c in enumerate(data["slots"])),
                   tuple(Proof.from_dict(p, f"{what}.slot_proofs[{j}]", 2)
                         for j, p in enumerate(data["slot_proofs"])),
                   Proof.from_dict(data["sum_proof"], f"{what}.sum_proof", rule.hi - rule.lo + 1))

    def canonical_bytes(self) -> bytes:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":")).encode("ascii")

    def tracker(self) -> str:
        """SHA-256 of the canonical JSON of the sealed vote, in hex: what the voter keeps and finds on the board."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


_REPEAT_UP_TO = 16  # a small coefficient k is k copies in the library's one sum: cheaper than a multiplication


def _weighted_total(rule: SumRule, slots: Sequence[Ciphertext]) -> Ciphertext:
    """sum(coefficient_j · slot_j): public ciphertexts and public coefficients."""
    parts: list[Ciphertext] = []
    for c, k in zip(slots, rule.coefficients, strict=True):
        if 0 <= k <= _REPEAT_UP_TO:
            parts += [c] * k
        else:
            parts.append(Ciphertext(c.alpha.times(k), c.beta.times(k)))
    return ciphertext_sum(parts)


def seal(key: Point, label: str, selection: Sequence[int], rule: SumRule, reveal: list[int] | None = None
         ) -> SealedVote:
    """Encrypt each slot (0 or 1) under `key` and prove it, and prove the rule holds. Nothing secret is returned,
    unless `reveal` is given: each slot's randomness is then appended to it (a voter's cast-or-audit challenge)."""
    if len(selection) != len(rule.coefficients) or any(m not in (0, 1) for m in selection):
        raise SealingError("a selection is one 0 or 1 per slot")
    total = sum(k * m for k, m in zip(rule.coefficients, selection, strict=True))
    if not rule.lo <= total <= rule.hi:
        raise SealingError("this selection is not allowed by the ballot's method")
    slots: list[Ciphertext] = []
    proofs: list[Proof] = []
    rs: list[int] = []
    for j, m in enumerate(selection):
        r = random_scalar()
        ct = Ciphertext(Point.base_times(r), point_sum((key.times(r), _PLUS[m], _MINUS_ONE)))
        proofs.append(prove_range(key, ct, m, r, 0, 1, "slot", label, (u32(j),)))
        slots.append(ct)
        rs.append(r)
    if reveal is not None:
        reveal.extend(rs)
    r_total = sum(k * r for k, r in zip(rule.coefficients, rs, strict=True)) % ORDER
    combined = _weighted_total(rule, slots)
    sum_proof = prove_range(key, combined, total, r_total, rule.lo, rule.hi, "sum", label,
                            _sum_context(slots))
    return SealedVote(tuple(slots), tuple(proofs), sum_proof)


def _sum_context(slots: Sequence[Ciphertext]) -> tuple[bytes | Point, ...]:
    context: list[bytes | Point] = [u32(len(slots))]
    for ct in slots:
        context += [ct.alpha, ct.beta]
    return tuple(context)


def check_sealed(key: Point, label: str, vote: SealedVote, rule: SumRule) -> None:
    """Raise SealingError naming the first proof that fails."""
    if len(vote.slots) != len(rule.coefficients):
        raise SealingError(f"the vote has {len(vote.slots)} slots; the ballot has {len(rule.coefficients)}")
    for j, (ct, proof) in enumerate(zip(vote.slots, vote.slot_proofs, strict=True)):
        if not verify_range(key, ct, proof, 0, 1, "slot", label, (u32(j),)):
            raise SealingError(f"slot {j}: the proof that it encrypts 0 or 1 does not verify")
    combined = _weighted_total(rule, vote.slots)
    if not verify_range(key, combined, vote.sum_proof, rule.lo, rule.hi, "sum", label, _sum_context(vote.slots)):
        raise SealingError("the proof that the choices are allowed by the ballot's method does not verify")


_VOTES_PER_PROCESS = 500  # fewer votes than this per process are checked in this one (a process costs ~10 ms)


def check_sealed_many(key: Point, label: str, votes: Sequence[SealedVote], rule: SumRule, *, what: str = "votes",
                      processes: int | None = None) -> None:
    """`check_sealed` for every vote; the SealingError names the first vote that fails, as "{what}[i]: ...".

    The votes' checks are independent, so a long list is split across worker processes (by default one per
    core of the machine): a trustee checking every vote of a ballot before decrypting, or a verifier. Each
    worker gets the votes as their public JSON form and checks them exactly as `check_sealed` does.
    """
    processes = min(processes or os.cpu_count() or 1, len(votes) // _VOTES_PER_PROCESS)
    if processes <= 1:
        failure = _first_failure(key, label, votes, rule)
    else:
        size = -(-len(votes) // processes)
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            parts = [pool.submit(_first_failure_of_dicts, key.to_bytes(), label, rule.as_dict(),
                                 [v.as_dict() for v in votes[start:start + size]])
                     for start in range(0, len(votes), size)]
            found = [(i * size + part[0], part[1]) for i, f in enumerate(parts) if (part := f.result()) is not None]
        failure = min(found) if found else None
    if failure is not None:
        raise SealingError(f"{what}[{failure[0]}]: {failure[1]}")


def _first_failure(key: Point, label: str, votes: Sequence[SealedVote], rule: SumRule) -> tuple[int, str] | None:
    for i, vote in enumerate(votes):
        try:
            check_sealed(key, label, vote, rule)
        except SealingError as exc:
            return i, str(exc)
    return None


def _first_failure_of_dicts(key: bytes, label: str, rule: dict[str, Any], votes: list[dict[str, Any]]
                            ) -> tuple[int, str] | None:
    """In a worker process: the votes as their JSON form, parsed (they were parsed once already) and checked."""
    sum_rule = SumRule.from_dict(rule)
    return _first_failure(Point.from_bytes(key, "election key"), label,
                          [SealedVote.from_dict(v, sum_rule) for v in votes], sum_rule)


def weight_scale(weights: Sequence[Fraction]) -> int:
    """The common denominator that makes every weight whole; the tally counts weight × scale."""
    return lcm(1, *(Fraction(w).denominator for w in weights))


def weighted_tally(votes: Sequence[tuple[Sequence[Ciphertext], int]], slots: int) -> list[Ciphertext]:
    """Per slot, the sum of weight · ciphertext. Votes of equal weight are added first, then multiplied once."""
    by_weight: dict[int, list[Sequence[Ciphertext]]] = defaultdict(list)
    for cts, weight in votes:
        if weight < 0:
            raise SealingError("a weight cannot be negative")
        if weight:
            by_weight[weight].append(cts)
    tally: list[Ciphertext] = []
    for j in range(slots):
        alphas: list[Point] = []
        betas: list[Point] = []
        for weight, group in by_weight.items():
            alpha = point_sum(cts[j].alpha for cts in group)
            beta = point_sum(cts[j].beta for cts in group)
            alphas.append(alpha.times(weight) if weight != 1 else alpha)
            betas.append(beta.times(weight) if weight != 1 else beta)
        tally.append(Ciphertext(point_sum(alphas), point_sum(betas)))
    return tally
