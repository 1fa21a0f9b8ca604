"""The worked example of docs/audit-format.md ("Sealed ballots"): every figure, recomputed from the code.

Randomness is replaced by fixed scalars k_i = SHA-256("unionvote worked example " + i) mod n, in the
order the code draws them, so the figures are reproducible:

    .venv/bin/python -m tests.unit.sealing.worked_example
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from unittest import mock

from unionvote.sealing import proofs, trustees, votes
from unionvote.sealing.group import DOMAIN, ORDER, Point, frame, scalar_hex, u32
from unionvote.sealing.tallyfile import tally_hash
from unionvote.sealing.trustees import TrusteeKey, decrypt_total
from unionvote.sealing.votes import SumRule, seal, weight_scale, weighted_tally
from unionvote.voting.sealed import sealed_tracker

LABEL = "ballot:7"


def fixed_scalar(i: int) -> int:
    return int.from_bytes(hashlib.sha256(f"unionvote worked example {i}".encode()).digest(), "big") % ORDER


@contextmanager
def fixed_randomness() -> Iterator[None]:
    counter = itertools.count(1)

    def draw() -> int:
        return fixed_scalar(next(counter))

    with mock.patch.object(proofs, "random_scalar", draw), mock.patch.object(votes, "random_scalar", draw), \
            mock.patch.object(trustees, "random_scalar", draw):
        yield


def slot_challenge_input(key: Point, j: int, alpha: Point, beta: Point, commitments: list[Point]) -> bytes:
    parts = [DOMAIN, b"slot", LABEL.encode(), key.to_bytes(), u32(j), alpha.to_bytes(), beta.to_bytes(), u32(0),
             u32(1), *(c.to_bytes() for c in commitments)]
    return b"".join(frame(p) for p in parts)


def example() -> dict[str, str]:
    """Every figure of the worked example, by the name the format page gives it."""
    out: dict[str, str] = {}
    with fixed_randomness():
        trustee = TrusteeKey(fixed_scalar(0))
        published = trustee.published()  # draws k1
        key = published.public
        out["s"] = scalar_hex(trustee.secret)
        out["K"] = key.hex()
        out["key_proof.c"] = scalar_hex(published.proof.challenges[0])
        out["key_proof.v"] = scalar_hex(published.proof.responses[0])
        rule = SumRule.exactly(2)
        first = seal(key, LABEL, [1, 0], rule)  # option "a"
        second = seal(key, LABEL, [0, 1], rule)  # option "b"
        for name, vote in (("vote1", first), ("vote2", second)):
            for j, (ct, proof) in enumerate(zip(vote.slots, vote.slot_proofs, strict=True)):
                out[f"{name}.slot{j}.alpha"] = ct.alpha.hex()
                out[f"{name}.slot{j}.beta"] = ct.beta.hex()
                for b in (0, 1):
                    out[f"{name}.slot{j}.c{b}"] = scalar_hex(proof.challenges[b])
                    out[f"{name}.slot{j}.v{b}"] = scalar_hex(proof.responses[b])
            out[f"{name}.sum.c"] = scalar_hex(vote.sum_proof.challenges[0])
            out[f"{name}.sum.v"] = scalar_hex(vote.sum_proof.responses[0])
        ct, proof = first.slots[0], first.slot_proofs[0]
        commitments = []
        for b in (0, 1):
            commitments.append(proofs.lincomb_public(proof.responses[b], proofs.GENERATOR, proof.challenges[b],
                                                     ct.alpha))
            shifted = ct.beta.plus_base_times(-b) if b else ct.beta
            commitments.append(proofs.lincomb_public(proof.responses[b], key, proof.challenges[b], shifted))
        data = slot_challenge_input(key, 0, ct.alpha, ct.beta, commitments)
        out["vote1.slot0.challenge_input"] = data.hex()
        out["vote1.slot0.challenge"] = scalar_hex(int.from_bytes(hashlib.sha256(data).digest(), "big"))
        out["vote1.tracker"] = sealed_tracker(7, "0" * 31 + "1", first.as_dict(), "3")
        weights = [Fraction(3), Fraction(1, 2)]
        scale = weight_scale(weights)
        out["scale"] = str(scale)
        tally = weighted_tally([(first.slots, int(weights[0] * scale)), (second.slots, int(weights[1] * scale))], 2)
        out["tally_hash"] = tally_hash(tally)
        for j, ct in enumerate(tally):
            partial = trustee.partial_decrypt(ct, LABEL)
            out[f"tally.slot{j}.alpha"] = ct.alpha.hex()
            out[f"tally.slot{j}.beta"] = ct.beta.hex()
            out[f"tally.slot{j}.share"] = partial.share.hex()
            out[f"tally.slot{j}.proof.c"] = scalar_hex(partial.proof.challenges[0])
            out[f"tally.slot{j}.proof.v"] = scalar_hex(partial.proof.responses[0])
            out[f"tally.slot{j}.total"] = str(decrypt_total(ct, [partial.share], 100))
    return out


if __name__ == "__main__":
    for name, value in example().items():
        print(f"{name}: {value}")
