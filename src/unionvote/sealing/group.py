"""The group: secp256k1 through libsecp256k1 (coincurve), its encodings, and Fiat-Shamir challenges.

Only the library adds and multiplies points. This module adds the point at infinity (which the
library cannot hold but a tally of zero votes needs), the byte encodings, and the hash to a scalar.
Secret scalars go only through the library's constant-time paths (`from_secret`, `multiply`);
`add` (variable time) is used with public scalars only, in verification.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from coincurve import PublicKey

# The order of the secp256k1 group (SEC 2, section 2.4.1).
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
POINT_BYTES = 33
SCALAR_BYTES = 32
IDENTITY_BYTES = bytes(POINT_BYTES)
DOMAIN = b"unionvote/sealed/v1"


class SealingError(ValueError):
    """Bad sealed data: a malformed encoding or a proof that does not verify. The message says which."""


def scalar_bytes(k: int) -> bytes:
    return (k % ORDER).to_bytes(SCALAR_BYTES, "big")


def scalar_from_hex(text: object, what: str) -> int:
    if not isinstance(text, str) or len(text) != 2 * SCALAR_BYTES:
        raise SealingError(f"{what} is not a 32-byte scalar in hex (64 characters).")
    try:
        value = int.from_bytes(bytes.fromhex(text), "big")
    except ValueError:
        raise SealingError(f"{what} is not hexadecimal.") from None
    if value >= ORDER:
        raise SealingError(f"{what} is not below the group order.")
    return value


def scalar_hex(k: int) -> str:
    return scalar_bytes(k).hex()


def random_scalar() -> int:
    """A uniform non-zero scalar from the operating system's generator."""
    return secrets.randbelow(ORDER - 1) + 1


class Point:
    """A group element; `key is None` is the identity (the point at infinity)."""

    __slots__ = ("_bytes", "key")

    def __init__(self, key: PublicKey | None) -> None:
        self.key = key
        self._bytes: bytes | None = None

    @classmethod
    def base_times(cls, k: int) -> Point:
        """k·G through the library's constant-time generator multiplication."""
        k %= ORDER
        return cls(PublicKey.from_secret(k.to_bytes(SCALAR_BYTES, "big"))) if k else IDENTITY

    def times(self, k: int) -> Point:
        """k·P (constant time in k)."""
        k %= ORDER
        if not k or self.key is None:
            return IDENTITY
        return Point(self.key.multiply(k.to_bytes(SCALAR_BYTES, "big")))

    def plus_base_times(self, k: int) -> Point:
        """P + k·G for a public k (variable time: verification only)."""
        k %= ORDER
        if not k:
            return self
        if self.key is None:
            return Point.base_times(k)
        try:
            return Point(self.key.add(k.to_bytes(SCALAR_BYTES, "big")))
        except ValueError:  # the sum is the point at infinity
            return IDENTITY

    def __add__(self, other: Point) -> Point:
        return point_sum((self, other))

    def __neg__(self) -> Point:
        if self.key is None:
            return self
        data = self.to_bytes()
        return Point(PublicKey(bytes((data[0] ^ 1,)) + data[1:]))  # 02 <-> 03 flips y

    def __sub__(self, other: Point) -> Point:
        return self + (-other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def to_bytes(self) -> bytes:
        """SEC 1 compressed form (33 bytes); the identity is 33 zero bytes."""
        if self._bytes is None:
            self._bytes = IDENTITY_BYTES if self.key is None else self.key.format(compressed=True)
        return self._bytes

    def hex(self) -> str:
        return self.to_bytes().hex()

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "point", *, identity_ok: bool = False) -> Point:
        if len(data) != POINT_BYTES:
            raise SealingError(f"{what} is not a 33-byte compressed point.")
        if data == IDENTITY_BYTES:
            if identity_ok:
                return IDENTITY
            raise SealingError(f"{what} is the identity, which is not allowed here.")
        if data[0] not in (2, 3):
            raise SealingError(f"{what} does not start with 02 or 03 (compressed form).")
        try:
            point = cls(PublicKey(data))
        except ValueError:
            raise SealingError(f"{what} is not a point on secp256k1.") from None
        point._bytes = data
        return point

    @classmethod
    def from_hex(cls, text: object, what: str = "point", *, identity_ok: bool = False) -> Point:
        if not isinstance(text, str) or len(text) != 2 * POINT_BYTES:
            raise SealingError(f"{what} is not a 33-byte point in hex (66 characters).")
        try:
            data = bytes.fromhex(text)
        except ValueError:
            raise SealingError(f"{what} is not hexadecimal.") from None
        return cls.from_bytes(data, what, identity_ok=identity_ok)

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


IDENTITY = Point(None)
GENERATOR = Point.base_times(1)


def point_sum(points: Iterable[Point]) -> Point:
    """The sum of any number of points, in one library call."""
    keys = [p.key for p in points if p.key is not None]
    if not keys:
        return IDENTITY
    if len(keys) == 1:
        return Point(keys[0])
    try:
        return Point(PublicKey.combine_keys(keys))
    except ValueError:  # the sum is the point at infinity
        return IDENTITY


def frame(data: bytes) -> bytes:
    """One field of a challenge input: its length as 4 bytes big-endian, then the bytes."""
    return len(data).to_bytes(4, "big") + data


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def challenge(tag: str, label: str, *fields: bytes | Point) -> int:
    """Fiat-Shamir: SHA-256 over framed fields (domain, tag, label, statement, commitments) mod the order."""
    digest = hashlib.sha256(frame(DOMAIN) + frame(tag.encode("ascii")) + frame(label.encode("utf-8")))
    for item in fields:
        digest.update(frame(item.to_bytes() if isinstance(item, Point) else item))
    return int.from_bytes(digest.digest(), "big") % ORDER
