"""Zero-knowledge proofs, made non-interactive by Fiat-Shamir (group.challenge).

- Schnorr proof of knowledge of a discrete logarithm (a trustee knows their key).
- Chaum-Pedersen proof that two discrete logarithms are equal (a partial decryption is honest).
- Disjunctive Chaum-Pedersen ("range") proof that a ciphertext encrypts one of lo..hi
  (Cramer-Damgard-Schoenmakers OR-composition, as Helios and Belenios use for 0/1 and sums).

Every proof is stored compactly as challenges and responses; the verifier recomputes the
commitments from them and checks the challenges add up to the hash over the commitments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unionvote.sealing.group import (
    GENERATOR,
    ORDER,
    Point,
    SealingError,
    challenge,
    multiplier_for,
    point_sum,
    public_combination,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
    u32,
)


@dataclass(frozen=True)
class Ciphertext:
    """Exponential ElGamal: (alpha, beta) = (r·G, m·G + r·K) for election key K."""

    alpha: Point
    beta: Point

    def as_dict(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_dict(cls, data: Any, what: str, *, identity_ok: bool = False) -> Ciphertext:
        if not isinstance(data, dict) or set(data) != {"alpha", "beta"}:
            raise SealingError(f"{what} is not an object with exactly alpha and beta.")
        return cls(Point.from_hex(data["alpha"], f"{what}.alpha", identity_ok=identity_ok),
                   Point.from_hex(data["beta"], f"{what}.beta", identity_ok=identity_ok))

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)


def ciphertext_sum(cts: Sequence[Ciphertext]) -> Ciphertext:
    return Ciphertext(point_sum(c.alpha for c in cts), point_sum(c.beta for c in cts))


def lincomb_secret(x: int, p: Point, c: int, q: Point) -> Point:
    """x·P - c·Q with secret x (and c): two constant-time multiplications and one addition."""
    xp = Point.base_times(x) if p is GENERATOR else p.times(x)
    return point_sum((xp, q.times(-c)))


def lincomb_public(v: int, p: Point, c: int, q: Point) -> Point:
    """v·P - c·Q with public v and c (verification): one library multiplication when P is the generator."""
    if p is GENERATOR or p == GENERATOR:
        return public_combination(q, -c, v)
    return point_sum((p.times(v), q.times(-c)))


@dataclass(frozen=True)
class Proof:
    """Challenges c_k and responses v_k, one pair per branch (one branch for Schnorr and Chaum-Pedersen)."""

    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    def as_dict(self) -> dict[str, list[str]]:
        return {"challenges": [scalar_hex(c) for c in self.challenges],
                "responses": [scalar_hex(v) for v in self.responses]}

    @classmethod
    def from_dict(cls, data: Any, what: str, branches: int) -> Proof:
        if not isinstance(data, dict) or set(data) != {"challenges", "responses"}:
            raise SealingError(f"{what} is not an object with exactly challenges and responses.")
        cs, vs = data["challenges"], data["responses"]
        if not isinstance(cs, list) or not isinstance(vs, list) or len(cs) != branches or len(vs) != branches:
            raise SealingError(f"{what} must have {branches} challenge(s) and {branches} response(s).")
        return cls(tuple(scalar_from_hex(c, f"{what}.challenges[{i}]") for i, c in enumerate(cs)),
                   tuple(scalar_from_hex(v, f"{what}.responses[{i}]") for i, v in enumerate(vs)))


# Schnorr: knows s with K = s·G.  a = w·G, c = H("key", label, K, a), v = w + c·s.  Check: v·G - c·K = a.

def prove_key(secret: int, public: Point, label: str) -> Proof:
    w = random_scalar()
    c = challenge("key", label, public, Point.base_times(w))
    return Proof((c,), ((w + c * secret) % ORDER,))


def verify_key(public: Point, proof: Proof, label: str) -> bool:
    (c,), (v,) = proof.challenges, proof.responses
    return challenge("key", label, public, lincomb_public(v, GENERATOR, c, public)) == c


# Chaum-Pedersen for a partial decryption: knows s with K_i = s·G and D = s·alpha.
# a = w·G, b = w·alpha, c = H("decrypt", label, K_i, alpha, beta, D, a, b), v = w + c·s.
# Check: v·G - c·K_i = a and v·alpha - c·D = b.

def prove_decryption(secret: int, public: Point, ct: Ciphertext, share: Point, label: str) -> Proof:
    w = random_scalar()
    c = challenge("decrypt", label, public, ct.alpha, ct.beta, share, Point.base_times(w), ct.alpha.times(w))
    return Proof((c,), ((w + c * secret) % ORDER,))


def verify_decryption(public: Point, ct: Ciphertext, share: Point, proof: Proof, label: str) -> bool:
    (c,), (v,) = proof.challenges, proof.responses
    a = lincomb_public(v, GENERATOR, c, public)
    b = lincomb_public(v, ct.alpha, c, share)
    return challenge("decrypt", label, public, ct.alpha, ct.beta, share, a, b) == c


# Disjunctive Chaum-Pedersen: (alpha, beta) encrypts some m in lo..hi under key K.
# Branch k claims log_G(alpha) = log_K(beta - k·G).  For every branch:
#   a_k = v_k·G - c_k·alpha,  b_k = v_k·K - c_k·(beta - k·G)
# and sum(c_k) = H(tag, label, K, context..., alpha, beta, lo, hi, a_lo, b_lo, ..., a_hi, b_hi).
# Every slot has one true branch (a_m = w·G, b_m = w·K) and simulated ones, so the work done is the
# same whatever m is; only the published challenges and responses leave the prover.
#
# The prover knows r and m with alpha = r·G and beta = m·G + r·K, so a simulated branch's commitments
# are the same points computed with fewer multiplications, u = v_k - c_k·r (secret, constant time):
#   a_k = v_k·G - c_k·r·G = u·G,   b_k = v_k·K - c_k·(r·K + (m - k)·G) = u·K + c_k·(k - m)·G.
# The verifier, with public scalars only, folds the shift into the generator's coefficient:
#   a_k = v_k·G + (-c_k)·alpha (one library call),  b_k = v_k·K + (-c_k)·beta + (c_k·k)·G,
# and multiplies the election key from its table once it has been seen a few times (group.FixedBase).

def prove_range(key: Point, ct: Ciphertext, m: int, r: int, lo: int, hi: int, tag: str, label: str,
                context: Sequence[bytes | Point] = ()) -> Proof:
    if not lo <= m <= hi:
        raise SealingError("the value to prove is outside the allowed range")
    cs: list[int] = []
    vs: list[int] = []
    commitments: list[Point] = []
    w = random_scalar()
    for k in range(lo, hi + 1):
        if k == m:
            cs.append(0)
            vs.append(0)
            commitments += [Point.base_times(w), key.times(w)]
            continue
        c_k, v_k = random_scalar(), random_scalar()  # a simulated branch: published as they are
        cs.append(c_k)
        vs.append(v_k)
        u = (v_k - c_k * r) % ORDER
        commitments.append(Point.base_times(u))
        commitments.append(point_sum((key.times(u), Point.base_times(c_k * (k - m)))))
    total = challenge(tag, label, key, *context, ct.alpha, ct.beta, u32(lo), u32(hi), *commitments)
    i = m - lo
    cs[i] = (total - sum(cs)) % ORDER
    vs[i] = (w + cs[i] * r) % ORDER
    return Proof(tuple(cs), tuple(vs))


def verify_range(key: Point, ct: Ciphertext, proof: Proof, lo: int, hi: int, tag: str, label: str,
                 context: Sequence[bytes | Point] = ()) -> bool:
    if len(proof.challenges) != hi - lo + 1:
        return False
    commitments: list[Point] = []
    key_times = multiplier_for(key).times
    for k, c_k, v_k in zip(range(lo, hi + 1), proof.challenges, proof.responses, strict=True):
        commitments.append(public_combination(ct.alpha, -c_k, v_k))
        commitments.append(point_sum((key_times(v_k), public_combination(ct.beta, -c_k, c_k * k))))
    total = challenge(tag, label, key, *context, ct.alpha, ct.beta, u32(lo), u32(hi), *commitments)
    return sum(proof.challenges) % ORDER == total
