"""The worked example of docs/audit-format.md ("Sealed ranked papers"): every figure, recomputed from the code.

Randomness is replaced by fixed scalars p_i = SHA-256("unionvote paper example " + i) mod n; the
trustee's key is k_0 of the "Sealed ballots" example, so K is the same point:

    .venv/bin/python -m tests.unit.sealing.paper_example
"""

from __future__ import annotations

import hashlib

from unionvote.audit.chain import canonical_json
from unionvote.sealing.group import DOMAIN, ORDER, Point, frame, scalar_hex
from unionvote.sealing.papers import (
    NONCE,
    PAPER_DOMAIN,
    _aad,
    _key,
    encode_paper,
    open_paper,
    papers_hash,
    sealed_with,
    share_with,
)
from unionvote.sealing.trustees import TrusteeKey
from unionvote.voting.sealed import sealed_tracker
from unionvote.voting.sealed_papers import canonical_papers

LABEL = "ballot:9"
OPTIONS = ["11", "12", "13"]


def fixed(name: str, i: int) -> int:
    return int.from_bytes(hashlib.sha256(f"unionvote {name} example {i}".encode()).digest(), "big") % ORDER


def example() -> dict[str, str]:
    trustee = TrusteeKey(fixed("worked", 0))
    key = trustee.public
    ranking = [2, 0]  # 13 first, then 11
    r = fixed("paper", 1)
    paper = sealed_with(key, LABEL, ranking, len(OPTIONS), r)
    shared = key.times(r)
    share = share_with(trustee, paper.ephemeral, LABEL, fixed("paper", 2))
    (c,), (v,) = share.proof.challenges, share.proof.responses
    w = fixed("paper", 2)
    challenge_input = (frame(DOMAIN) + frame(b"paper") + frame(LABEL.encode()) + frame(key.to_bytes())
                       + frame(paper.ephemeral.to_bytes()) + frame(share.share.to_bytes())
                       + frame(Point.base_times(w).to_bytes()) + frame(paper.ephemeral.times(w).to_bytes()))
    other = sealed_with(key, LABEL, [1], len(OPTIONS), fixed("paper", 3))
    opened = [open_paper(key, LABEL, p, key.times(s), len(OPTIONS)) for p, s in
              ((paper, r), (other, fixed("paper", 3)))]
    published = canonical_papers(OPTIONS, opened, ["1", "1"])
    row_id = "00000000000000000000000000000001"
    return {
        "s": scalar_hex(trustee.secret),
        "K": key.hex(),
        "paper": encode_paper(ranking, len(OPTIONS)).hex(),
        "r": scalar_hex(r),
        "R": paper.ephemeral.hex(),
        "S": shared.hex(),
        "key_input": (frame(PAPER_DOMAIN) + frame(LABEL.encode()) + frame(paper.ephemeral.to_bytes())
                      + frame(shared.to_bytes())).hex(),
        "aes_key": _key(LABEL, paper.ephemeral, shared).hex(),
        "nonce": NONCE.hex(),
        "aad": _aad(LABEL, key, paper.ephemeral).hex(),
        "box": paper.box.hex(),
        "tracker": sealed_tracker(9, row_id, paper.as_dict(), "1"),
        "share.D": share.share.hex(),
        "share.w": scalar_hex(w),
        "share.challenge_input": challenge_input.hex(),
        "share.c": scalar_hex(c),
        "share.v": scalar_hex(v),
        "paper2.R": other.ephemeral.hex(),
        "paper2.box": other.box.hex(),
        "papers_hash": papers_hash([paper, other]),
        "published.1": canonical_json(published[0]).decode(),
        "published.2": canonical_json(published[1]).decode(),
    }


if __name__ == "__main__":
    for name, value in example().items():
        print(f"{name}: {value}")
