"""The group: secp256k1 through libsecp256k1 (coincurve), its encodings, and Fiat-Shamir challenges.

Only the library adds and multiplies points. This module adds the point at infinity (which the
library cannot hold but a tally of zero votes needs), the byte encodings, and the hash to a scalar.
Secret scalars go only through the library's constant-time paths (generator multiplication with
its precomputed table, `secp256k1_ec_pubkey_create`; multiplication of any point,
`secp256k1_ec_pubkey_tweak_mul`). Variable-time paths are used with public scalars only, in
verification: `public_combination` (u·P + t·G in one library multiplication) and `FixedBase`
(a table of multiples of a point used many times, such as an election key).

The library is called through coincurve's own cffi binding, as coincurve's classes do, to spare
the argument checks and copies of the wrapper methods on the hot path (a sealed vote makes dozens
of multiplications); the results are the same `PublicKey` objects.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from functools import lru_cache

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

# The order of the secp256k1 group (SEC 2, section 2.4.1).
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
POINT_BYTES = 33
SCALAR_BYTES = 32
IDENTITY_BYTES = bytes(POINT_BYTES)
DOMAIN = b"unionvote/sealed/v1"
_CTX = GLOBAL_CONTEXT.ctx


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
        """k·G through the library's constant-time generator multiplication (its precomputed table)."""
        k %= ORDER
        if not k:
            return IDENTITY
        out = ffi.new("secp256k1_pubkey *")
        lib.secp256k1_ec_pubkey_create(_CTX, out, k.to_bytes(SCALAR_BYTES, "big"))  # cannot fail: 0 < k < n
        return cls(PublicKey(out))

    def times(self, k: int) -> Point:
        """k·P (constant time in k)."""
        k %= ORDER
        if not k or self.key is None:
            return IDENTITY
        out = ffi.new("secp256k1_pubkey *", self.key.public_key[0])
        lib.secp256k1_ec_pubkey_tweak_mul(_CTX, out, k.to_bytes(SCALAR_BYTES, "big"))  # cannot fail: 0 < k < n
        return Point(PublicKey(out))

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


def public_combination(p: Point, u: int, t: int) -> Point:
    """u·P + t·G for public u and t (variable time: verification only), in one library multiplication.

    libsecp256k1's ECDSA key recovery returns Q = (s/r)·R - (e/r)·G for the point R whose compressed
    encoding is r's x-coordinate with the parity in the recovery id, computed by one Strauss
    multiplication that shares its doublings between R and G. With R = P, r = x(P) mod n, s = u·r and
    e = -t·r, Q is exactly u·P + t·G. Only that identity is used; nothing here is a signature.
    """
    u %= ORDER
    t %= ORDER
    if not u or p.key is None:
        return Point.base_times(t)
    if not t:
        return p.times(u)  # the library's multiplication of one point is quicker than the pair
    data = p.to_bytes()
    x = int.from_bytes(data[1:], "big")
    r = x % ORDER
    if r:
        recid = (data[0] - 2) | (2 if x >= ORDER else 0)  # bit 1: x was reduced mod n (probability ~2^-128)
        signature = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        rs = r.to_bytes(SCALAR_BYTES, "big") + (u * r % ORDER).to_bytes(SCALAR_BYTES, "big")
        out = ffi.new("secp256k1_pubkey *")
        if (lib.secp256k1_ecdsa_recoverable_signature_parse_compact(_CTX, signature, rs, recid)
                and lib.secp256k1_ecdsa_recover(_CTX, out, signature, (-t * r % ORDER).to_bytes(SCALAR_BYTES, "big"))):
            return Point(PublicKey(out))
    # Only when the sum is the point at infinity (or x(P) is a multiple of n): the plain way.
    return point_sum((p.times(u), Point.base_times(t)))


_ROW = 255  # table entries per byte position: d·256^i·P for d = 1..255


class FixedBase:
    """u·P for one point P used many times (an election key) and public u (variable time: verification only).

    The table holds d·256^i·P for every byte position i and byte value d = 1..255, each made by the
    library (256^i·P by its multiplication, then each entry as the previous one plus 256^i·P by its
    point addition). u·P is then one library sum of the entries named by u's non-zero bytes.
    """

    __slots__ = ("_entries", "_rows")

    def __init__(self, point: Point) -> None:
        if point.key is None:
            raise SealingError("the identity has no table of multiples")
        self._entries = entries = ffi.new("secp256k1_pubkey[]", SCALAR_BYTES * _ROW)
        rows: list[list[object]] = []
        base = point
        for i in range(SCALAR_BYTES):  # i = 0 is the least significant byte
            first = i * _ROW
            entries[first] = base.key.public_key[0]  # type: ignore[union-attr]
            row: list[object] = [None, entries + first]
            for d in range(2, 256):
                here = entries + first + d - 1
                lib.secp256k1_ec_pubkey_combine(_CTX, here, [here - 1, entries + first], 2)  # never infinity
                row.append(here)
            rows.append(row)
            base = base.times(256)
        rows.reverse()  # rows[j] for byte j of the big-endian encoding
        self._rows = rows

    def times(self, u: int) -> Point:
        u %= ORDER
        entries = [row[b] for row, b in zip(self._rows, u.to_bytes(SCALAR_BYTES, "big"), strict=True) if b]
        if not entries:
            return IDENTITY
        out = ffi.new("secp256k1_pubkey *")
        lib.secp256k1_ec_pubkey_combine(_CTX, out, entries, len(entries))  # 0 < u < n: u·P is not infinity
        return Point(PublicKey(out))


@lru_cache(maxsize=64)
def _sightings(point: Point) -> list[int]:
    return [0]


@lru_cache(maxsize=8)
def _table(point: Point) -> FixedBase:
    return FixedBase(point)


def multiplier_for(point: Point, after: int = 2) -> FixedBase | Point:
    """Something with `.times(u)` for public u: the point's table once the point has been asked for `after` times
    (a table costs about as much as a thousand multiplications to build; an election key is asked for
    once per vote checked), before that the point itself."""
    if point.key is None:
        return point
    seen = _sightings(point)
    seen[0] += 1
    return _table(point) if seen[0] > after else point


def frame(data: bytes) -> bytes:
    """One field of a challenge input: its length as 4 bytes big-endian, then the bytes."""
    return len(data).to_bytes(4, "big") + data


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


_POINT_FRAME = POINT_BYTES.to_bytes(4, "big")


def challenge(tag: str, label: str, *fields: bytes | Point) -> int:
    """Fiat-Shamir: SHA-256 over framed fields (domain, tag, label, statement, commitments) mod the order."""
    parts = [frame(DOMAIN), frame(tag.encode("ascii")), frame(label.encode("utf-8"))]
    for item in fields:
        if isinstance(item, Point):
            parts += (_POINT_FRAME, item.to_bytes())
        else:
            parts += (len(item).to_bytes(4, "big"), item)
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big") % ORDER
