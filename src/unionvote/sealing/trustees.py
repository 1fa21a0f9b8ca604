"""Trustees: keys with proofs of knowledge, the n-of-n election key, partial decryptions, and the final count.

Every trustee is needed to decrypt (n of n); a threshold (k of n) scheme is not built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import isqrt
from typing import Any

from unionvote.sealing.group import (
    GENERATOR,
    Point,
    SealingError,
    point_sum,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
)
from unionvote.sealing.proofs import Ciphertext, Proof, prove_decryption, prove_key, verify_decryption, verify_key

KEY_FILE_KIND = "unionvote-trustee-key"


@dataclass(frozen=True)
class TrusteePublic:
    """What the server and the record hold of a trustee: the public key and its proof of knowledge."""

    public: Point
    proof: Proof

    def as_dict(self) -> dict[str, Any]:
        return {"public_key": self.public.hex(), "proof": self.proof.as_dict()}

    @classmethod
    def from_dict(cls, data: Any, what: str = "trustee") -> TrusteePublic:
        if not isinstance(data, dict) or set(data) != {"public_key", "proof"}:
            raise SealingError(f"{what} is not an object with exactly public_key and proof.")
        return cls(Point.from_hex(data["public_key"], f"{what}.public_key"),
                   Proof.from_dict(data["proof"], f"{what}.proof", 1))

    def check(self, what: str = "trustee") -> None:
        if not verify_key(self.public, self.proof, KEY_LABEL):
            raise SealingError(f"{what}: the proof of knowledge of the key does not verify")


KEY_LABEL = "trustee-key"  # a key is made before any ballot exists, so its proof names no ballot


@dataclass(frozen=True)
class TrusteeKey:
    secret: int

    @classmethod
    def generate(cls) -> TrusteeKey:
        return cls(random_scalar())

    @property
    def public(self) -> Point:
        return Point.base_times(self.secret)

    def published(self) -> TrusteePublic:
        public = self.public
        return TrusteePublic(public, prove_key(self.secret, public, KEY_LABEL))

    def key_file(self) -> dict[str, Any]:
        return {"kind": KEY_FILE_KIND, "version": 1, "secret_key": scalar_hex(self.secret),
                **self.published().as_dict()}

    @classmethod
    def from_key_file(cls, data: Any) -> TrusteeKey:
        if not isinstance(data, dict) or data.get("kind") != KEY_FILE_KIND or data.get("version") != 1:
            raise SealingError("This is not a unionvote trustee key file (version 1).")
        key = cls(scalar_from_hex(data.get("secret_key"), "secret_key"))
        if not key.secret:
            raise SealingError("secret_key is zero.")
        if data.get("public_key") != key.public.hex():
            raise SealingError("The key file's public key does not match its secret key.")
        return key

    def partial_decrypt(self, ct: Ciphertext, label: str) -> PartialDecryption:
        if ct.alpha.key is None:
            return PartialDecryption(Point(None), Proof((0,), (0,)))  # the empty tally needs no share
        share = ct.alpha.times(self.secret)
        return PartialDecryption(share, prove_decryption(self.secret, self.public, ct, share, label))


def election_key(trustees: Sequence[TrusteePublic]) -> Point:
    """The n-of-n election key: the sum of the trustees' public keys."""
    if not trustees:
        raise SealingError("an election key needs at least one trustee")
    key = point_sum(t.public for t in trustees)
    if key.key is None:
        raise SealingError("the trustees' keys cancel out")
    return key


def checked_election_key(trustees: Sequence[TrusteePublic], what: str = "trustee {}", first: int = 0) -> Point:
    """Every trustee's proof of knowledge checked (named `what` with its number from `first`), then the key."""
    for i, trustee in enumerate(trustees, start=first):
        trustee.check(what.format(i))
    return election_key(trustees)


@dataclass(frozen=True)
class PartialDecryption:
    share: Point  # s_i · alpha
    proof: Proof

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share.hex(), "proof": self.proof.as_dict()}

    @classmethod
    def from_dict(cls, data: Any, what: str) -> PartialDecryption:
        if not isinstance(data, dict) or set(data) != {"share", "proof"}:
            raise SealingError(f"{what} is not an object with exactly share and proof.")
        return cls(Point.from_hex(data["share"], f"{what}.share", identity_ok=True),
                   Proof.from_dict(data["proof"], f"{what}.proof", 1))

    def check(self, trustee: Point, ct: Ciphertext, label: str, what: str) -> None:
        if ct.alpha.key is None:
            if self.share.key is not None:
                raise SealingError(f"{what}: the tally is empty, so the share must be the identity")
            return
        if not verify_decryption(trustee, ct, self.share, self.proof, label):
            raise SealingError(f"{what}: the proof of correct decryption does not verify")


def decrypt_total(ct: Ciphertext, shares: Sequence[Point], bound: int) -> int:
    """m with m·G = beta - sum(shares), found by baby-step giant-step in 0..bound."""
    return discrete_log(ct.beta - point_sum(shares), bound)


@lru_cache(maxsize=4)
def _baby_steps(step: int) -> dict[bytes, int]:
    table: dict[bytes, int] = {}
    point = Point(None)
    for j in range(step):
        table[point.to_bytes()] = j
        point = point + GENERATOR
    return table


def discrete_log(target: Point, bound: int) -> int:
    """The m in 0..bound with m·G = target (baby-step giant-step: about 2·sqrt(bound) additions)."""
    step = max(1, isqrt(bound) + 1)
    table = _baby_steps(step)
    giant = -Point.base_times(step)
    point = target
    for i in range(bound // step + 1):
        j = table.get(point.to_bytes())
        if j is not None and i * step + j <= bound:
            return i * step + j
        point = point + giant
    raise SealingError(f"the decrypted total is not a whole number between 0 and {bound}")
