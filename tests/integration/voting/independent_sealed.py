"""A sealed ballot checked from docs/audit-format.md ("Sealed ballots") alone, with coincurve and hashlib.

Written from the format page, not from unionvote.sealing: it decodes the points, recomputes every
challenge from its framed input, checks every proof's equations, sums the weighted tally, checks
each partial decryption and finds the totals by counting up. It returns the online figures.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

from coincurve import PublicKey

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ZERO = bytes(33)


def point(text: str) -> bytes:
    data = bytes.fromhex(text)
    if data != ZERO:
        PublicKey(data)  # refuses anything off the curve
    return data


def add(*points: bytes) -> bytes:
    keys = [PublicKey(p) for p in points if p != ZERO]
    if not keys:
        return ZERO
    try:
        return PublicKey.combine_keys(keys).format()
    except ValueError:
        return ZERO


def mul(k: int, p: bytes | None) -> bytes:
    k %= N
    if k == 0 or p == ZERO:
        return ZERO
    if p is None:  # the generator
        return PublicKey.from_secret(k.to_bytes(32, "big")).format()
    return PublicKey(p).multiply(k.to_bytes(32, "big")).format()


def framed(*fields: bytes) -> bytes:
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def h(tag: str, label: str, *fields: bytes) -> int:
    data = framed(b"unionvote/sealed/v1", tag.encode(), label.encode(), *fields)
    return int.from_bytes(hashlib.sha256(data).digest(), "big") % N


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def scalars(proof: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(c, 16), int(v, 16)) for c, v in zip(proof["challenges"], proof["responses"], strict=True)]


def ranged(key: bytes, alpha: bytes, beta: bytes, proof: dict[str, Any], lo: int, hi: int, tag: str, label: str,
           context: list[bytes]) -> bool:
    commitments: list[bytes] = []
    pairs = scalars(proof)
    for m, (c, v) in zip(range(lo, hi + 1), pairs, strict=True):
        commitments.append(add(mul(v, None), mul(-c, alpha)))
        commitments.append(add(mul(v, key), mul(-c, add(beta, mul(-m, None)))))
    total = h(tag, label, key, *context, alpha, beta, u32(lo), u32(hi), *commitments)
    return sum(c for c, _ in pairs) % N == total


@dataclass(frozen=True)
class Opened:
    """What a checked sealed ballot decrypts to: a total per slot (up-to-K: a last, blank slot), in whole weights."""

    totals: list[int]
    scale: int  # the whole weights are the votes' weights times this
    tally_hash: str
    rows: list[dict[str, Any]]  # sealed.jsonl
    facts: dict[str, Any]  # sealing.json


def check_sealed_folder(folder: Path) -> dict[str, str]:
    """The online figures per option of a declared sealed ballot, or an AssertionError saying what failed."""
    ballot = json.loads((folder / "ballot.json").read_text())
    opened = open_sealed_folder(folder)
    options = [k for k, _ in ballot["options"]]
    return {k: str(Fraction(t, opened.scale)) for k, t in zip(options, opened.totals, strict=False)}


def open_sealed_folder(folder: Path) -> Opened:
    """Check every proof of a closed sealed ballot's folder and find its decrypted totals."""
    ballot = json.loads((folder / "ballot.json").read_text())
    facts = json.loads((folder / "sealing.json").read_text())
    label = facts["label"]
    key = ZERO
    for trustee in facts["trustees"]:
        public = point(trustee["public_key"])
        [(c, v)] = scalars(trustee["proof"])
        assert h("key", "trustee-key", public, add(mul(v, None), mul(-c, public))) == c, "a trustee key proof"
        key = add(key, public)
    assert key.hex() == facts["election_key"], "the election key"
    coefficients, lo, hi = facts["sum_rule"]["coefficients"], facts["sum_rule"]["lo"], facts["sum_rule"]["hi"]
    rows = [json.loads(line) for line in (folder / "sealed.jsonl").read_text().splitlines()]
    for row in rows:
        sealed = row["sealed"]
        slots = [(point(s["alpha"]), point(s["beta"])) for s in sealed["slots"]]
        for j, ((alpha, beta), proof) in enumerate(zip(slots, sealed["slot_proofs"], strict=True)):
            assert ranged(key, alpha, beta, proof, 0, 1, "slot", label, [u32(j)]), f"slot proof {row['id']}/{j}"
        total_a = add(*(mul(k, a) for k, (a, _) in zip(coefficients, slots, strict=True)))
        total_b = add(*(mul(k, b) for k, (_, b) in zip(coefficients, slots, strict=True)))
        context = [u32(len(slots))] + [x for pair in slots for x in pair]
        assert ranged(key, total_a, total_b, sealed["sum_proof"], lo, hi, "sum", label, context), "a sum proof"
        canonical = json.dumps({"ballot": ballot["ballot"], "id": row["id"], "sealed": sealed,
                                "weight": row["weight"]}, sort_keys=True, separators=(",", ":"))
        tracker = base64.b32encode(hashlib.sha256(canonical.encode()).digest()).decode()[:12]
        assert tracker == row["tracker"], "a tracker"
    board = json.loads((folder / "board.json").read_text())  # "The board": frozen at close, its hash recorded
    assert board == {"format": "unionvote-board/1", "ballot": ballot["ballot"],
                     "trackers": sorted(r["tracker"] for r in rows)}, "the board"
    chain = [json.loads(line) for line in (folder / "chain.jsonl").read_text().splitlines()]
    [closed] = [entry["payload"] for entry in chain if entry["action"] == "ballot.closed"]
    board_text = json.dumps(board, sort_keys=True, separators=(",", ":"))
    assert closed["board_hash"] == hashlib.sha256(board_text.encode()).hexdigest(), "the board hash"
    weights = [Fraction(r["weight"]) for r in rows]
    scale = lcm(1, *(w.denominator for w in weights))
    whole = [int(w * scale) for w in weights]
    tally = []
    for j in range(len(coefficients)):
        alpha = add(*(mul(w, point(r["sealed"]["slots"][j]["alpha"])) for w, r in zip(whole, rows, strict=True)))
        beta = add(*(mul(w, point(r["sealed"]["slots"][j]["beta"])) for w, r in zip(whole, rows, strict=True)))
        tally.append((alpha, beta))
    listed = json.dumps([{"alpha": a.hex(), "beta": b.hex()} for a, b in tally], sort_keys=True,
                        separators=(",", ":"))
    shares = [ZERO] * len(tally)
    for trustee in facts["trustees"]:
        [document] = [d for d in facts["decryptions"] if d["public_key"] == trustee["public_key"]]
        assert document["tally_hash"] == hashlib.sha256(listed.encode()).hexdigest(), "the tally hash"
        public = point(trustee["public_key"])
        for (alpha, beta), part, j in zip(tally, document["partials"], range(len(tally)), strict=True):
            share = point(part["share"])
            if alpha != ZERO:
                [(c, v)] = scalars(part["proof"])
                a = add(mul(v, None), mul(-c, public))
                b = add(mul(v, alpha), mul(-c, share))
                assert h("decrypt", label, public, alpha, beta, share, a, b) == c, "a decryption proof"
            shares[j] = add(shares[j], share)
    totals = []
    for (_, beta), share in zip(tally, shares, strict=True):
        target = add(beta, mul(-1, share)) if share != ZERO else beta
        m, found = 0, ZERO
        while found != target:
            m, found = m + 1, add(found, mul(1, None))
            assert m <= sum(whole), "a total out of range"
        totals.append(m)
    return Opened(totals, scale, hashlib.sha256(listed.encode()).hexdigest(), rows, facts)
